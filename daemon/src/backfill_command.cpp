// `shiplog backfill` (SPEC §1): see BackfillOptions in daemon/commands.hpp
// and docs/azure-devops.md.
//
// Order matters for deploy ids (they end in the journal seq of the event
// that made them): notification history first, in the order Azure DevOps
// created the deliveries, so a missed delivery gets the place live delivery
// would have given it; REST history after, which only fills what no
// notification carried (facts are keyed naturally: a push or build already
// known counts once).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <tuple>

#include "azure/client.hpp"
#include "azure/hook_plan.hpp"
#include "common/time_format.hpp"
#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/projection_sync.hpp"
#include "daemon/serve_lock.hpp"
#include "storage/journal.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace shiplog::daemon {
namespace {

constexpr auto k_commit_timeout = std::chrono::milliseconds{60000};
constexpr std::size_t k_max_scan_back = 100000;  // entries looked at for "the last delivery"

struct Tally {
    std::size_t stored = 0, duplicate = 0, ignored = 0, failed = 0;
};

// The newest webhook delivery's time, minus an hour of overlap (duplicates are free).
std::optional<Timestamp> last_delivery(storage::Store& store) {
    try {
        auto txn = lmdb::txn::begin(store.env(), nullptr, MDB_RDONLY);
        auto last = storage::last_seq(txn, store);
        if (!last) return std::nullopt;
        for (std::uint64_t seq = *last, n = 0; seq > 0 && n < k_max_scan_back; --seq, ++n) {
            auto entry = storage::read_entry(txn, store, seq);
            if (!entry || !*entry) continue;
            if ((*entry)->source != storage::EventSource::webhook) continue;
            return (*entry)->received_at - std::chrono::hours{1};
        }
    } catch (const lmdb::error&) {
    }
    return std::nullopt;
}

std::string envelope(const std::string& id, const std::string& type, const std::string& publisher,
                     const std::string& version, const std::string& created,
                     const std::string& resource) {
    std::string out = "{\"id\":\"" + id + "\",\"eventType\":\"" + type + "\",\"publisherId\":\"" +
                      publisher + "\",\"resourceVersion\":\"" + version + "\"";
    if (!created.empty()) out += ",\"createdDate\":\"" + created + "\"";
    return out + ",\"resource\":" + resource + "}";
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void submit(EventIntake& intake, const std::string& body, const std::string& what, Tally& tally) {
    auto r = intake.submit(body, storage::EventSource::backfill, k_commit_timeout);
    if (!r) {
        std::printf("%s: error: %s\n", what.c_str(), r.error().message.c_str());
        ++tally.failed;
        return;
    }
    if (r->status == IntakeStatus::stored) {
        ++tally.stored;
        std::printf("%s: stored\n", what.c_str());
    } else if (r->status == IntakeStatus::duplicate) {
        ++tally.duplicate;
    } else {
        ++tally.ignored;
    }
}

}  // namespace

int run_backfill(const std::filesystem::path& config_path, const BackfillOptions& options) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    ConfigHolder config(std::move(*loaded));
    auto cfg = config.get();
    if (!cfg->azure_devops) {
        std::fprintf(stderr,
                     "backfill needs an [azure_devops] section (organization_url and a token)\n");
        return 1;
    }
    if (!options.deployment.empty() &&
        std::none_of(cfg->deployments.begin(), cfg->deployments.end(),
                     [&](const auto& d) { return d.name == options.deployment; })) {
        std::fprintf(stderr, "unknown deployment \"%s\"\n", options.deployment.c_str());
        return 1;
    }
    auto store = storage::Store::open({cfg->storage.path, cfg->storage.max_size_mb << 20, false});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", cfg->storage.path.c_str(),
                     store.error().message.c_str());
        return 1;
    }
    // Beside a running serve, serve keeps derived data in step with the
    // config; alone, backfill does (like ingest).
    auto lock = ServeLock::acquire(cfg->storage.path);
    if (lock) {
        bool rebuilt = false;
        if (auto synced = sync_projections(**store, *cfg, rebuilt); !synced) {
            std::fprintf(stderr, "rebuilding derived data: %s\n", synced.error().message.c_str());
            return 1;
        }
    }

    Timestamp since{};
    if (!options.since.empty()) {
        auto parsed = parse_cli_time(options.since);
        if (!parsed) {
            std::fprintf(stderr, "--since: %s\n", parsed.error().message.c_str());
            return 2;
        }
        since = *parsed;
    } else if (auto last = last_delivery(**store)) {
        since = *last;
    } else {
        since =
            system_clock().now() - std::chrono::hours{24 * 14};  // Azure DevOps keeps about 14 days
    }
    const std::string since_text = format_rfc3339(since);
    std::printf("backfill since %s\n", since_text.c_str());

    auto client = azure::make_http_client(*cfg->azure_devops);
    if (!client) {
        std::fprintf(stderr, "%s\n", client.error().message.c_str());
        return 1;
    }
    auto projector = tracking::Projector::open(**store, [&config] { return config.get(); });
    if (!projector) {
        std::fprintf(stderr, "store %s: %s\n", cfg->storage.path.c_str(),
                     projector.error().message.c_str());
        return 1;
    }
    auto writer = storage::JournalWriter::start(**store, system_clock(), projector->get());
    EventIntake intake(*writer, config, system_clock(), nullptr);
    Tally tally;
    bool any_error = false;

    // 1. Our subscriptions' delivery history: the events themselves.
    auto subscriptions = (*client)->list_subscriptions();
    if (!subscriptions) {
        std::fprintf(stderr, "%s\n", subscriptions.error().message.c_str());
        any_error = true;
    } else {
        const auto identity = azure::make_identity(*cfg);
        std::vector<std::string> ours;
        for (const auto& s : *subscriptions)
            if (azure::is_owned(s, identity.instance)) ours.push_back(s.id);
        if (!ours.empty()) {
            auto notifications = (*client)->query_notifications(ours, since_text);
            if (!notifications) {
                std::fprintf(stderr, "%s\n", notifications.error().message.c_str());
                any_error = true;
            } else {
                auto& list = *notifications;
                std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
                    return std::tie(a.created_date, a.id) < std::tie(b.created_date, b.id);
                });
                for (const auto& n : list)
                    if (!n.event_json.empty())
                        submit(intake, n.event_json, "notification " + std::to_string(n.id), tally);
            }
        }
    }

    // 2. REST history of what the deployments track.
    std::set<std::string> done;  // a repository or pipeline once, however many deployments share it
    for (const auto& d : cfg->deployments) {
        if (!options.deployment.empty() && d.name != options.deployment) continue;
        if (!d.repository.empty()) {
            const std::string ref =
                d.branch.rfind("refs/", 0) == 0 ? d.branch : "refs/heads/" + d.branch;
            if (done.insert("repo\n" + d.project + "\n" + d.repository + "\n" + ref).second) {
                auto ids = (*client)->list_push_ids(d.project, d.repository, ref, since_text);
                if (!ids) {
                    std::fprintf(stderr, "%s\n", ids.error().message.c_str());
                    any_error = true;
                } else {
                    std::vector<std::int64_t> sorted = *ids;
                    std::sort(sorted.begin(), sorted.end());  // oldest push first
                    for (auto id : sorted) {
                        auto push = (*client)->get_push_json(d.project, d.repository, id);
                        if (!push) {
                            std::fprintf(stderr, "%s\n", push.error().message.c_str());
                            any_error = true;
                            continue;
                        }
                        // No createdDate: a push's time is its resource.date.
                        submit(intake,
                               envelope("shiplog-backfill:push:" +
                                            lower(d.project + "/" + d.repository) + ":" +
                                            std::to_string(id),
                                        "git.push", "tfs", "1.0", "", *push),
                               "push " + std::to_string(id), tally);
                    }
                }
            }
        }
        if (!d.pipeline.empty() &&
            done.insert("pipeline\n" + d.project + "\n" + d.pipeline).second) {
            auto definition = (*client)->get_build_definition(d.project, d.pipeline);
            auto builds = definition ? (*client)->list_completed_builds_json(
                                           d.project, definition->id, since_text)
                                     : Result<std::vector<std::pair<std::int64_t, std::string>>>(
                                           tl::unexpected(definition.error()));
            if (!builds) {
                std::fprintf(stderr, "%s\n", builds.error().message.c_str());
                any_error = true;
            } else {
                for (const auto& [id, build] : *builds) {
                    // A build's time is its resource.finishTime.
                    submit(intake,
                           envelope("shiplog-backfill:build:" + std::to_string(id),
                                    "build.complete", "tfs", "2.0", "", build),
                           "build " + std::to_string(id), tally);
                }
            }
        }
    }
    writer->stop();
    std::printf("backfill: %zu stored, %zu already known, %zu not relevant, %zu failed\n",
                tally.stored, tally.duplicate, tally.ignored, tally.failed);
    return any_error || tally.failed ? 1 : 0;
}

}  // namespace shiplog::daemon
