// Writes the journal of a large, realistic shiplog history for the query
// benchmark (bench/queries): N deploys and ~M commits over 6
// deployment+environments (push-triggered) and `--days` of history ending at
// `--end`, plus the config that names those deployments. Only the journal:
// the derived tables come from replaying it (`shiplog reindex`, which
// bench/queries runs and times), so the store is what users' stores are, and
// it takes further events.
//
// Per deploy (series taken in turn, so the journal is in time order): a
// `git.push` webhook body of ~M/N commits on the series' branch (the push is
// the deploy); or, 5 % of the time, a registered failed deploy of the current
// tip (`shiplog.register_deploy`); or, ~1 % of the time, a registered
// rollback to the sha of the succeeded deploy before the previous one. ~0.5 %
// of succeeded pushes are followed by an incident: a Bug tagged "incident"
// created 5 minutes later (`workitem.created`) and closed 1-6 hours later
// (`workitem.updated`).
//
//   gen_store --dir DIR [--deploys N] [--commits M] [--days D] [--end YYYY-MM-DD]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <lmdb++.h>

#include "common/time_format.hpp"
#include "storage/journal.hpp"
#include "storage/store.hpp"
#include "tracking/register_deploy.hpp"

namespace {

using namespace shiplog;

struct Series {
    const char* name;
    const char* environment;
    const char* repository;
    const char* branch;
};

constexpr Series k_series[] = {
    {"billing", "production", "billing", "main"},   {"billing", "staging", "billing", "develop"},
    {"mobile-app", "production", "mobile", "main"}, {"mobile-app", "staging", "mobile", "develop"},
    {"web-api", "production", "web-api", "main"},   {"web-api", "staging", "web-api", "develop"},
};

std::string hex_sha(std::uint64_t n) {
    // A spread-out 40-hex-digit sha (splitmix64 twice), unique per n.
    auto mix = [](std::uint64_t z) {
        z += 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    char buf[48];
    std::snprintf(buf, sizeof buf, "%016llx%016llx%08llx", static_cast<unsigned long long>(mix(n)),
                  static_cast<unsigned long long>(mix(n + 0x51ed)),
                  static_cast<unsigned long long>(n & 0xffffffffULL));
    return buf;
}

// A delivery from Azure DevOps (publisher "tfs", resource version 1.0) as
// the journal holds it.
storage::JournalEntry tfs_entry(const std::string& id, const std::string& type, Timestamp created,
                                const std::string& resource) {
    storage::JournalEntry e;
    e.event_id = id;
    e.event_type = type;
    e.publisher_id = "tfs";
    e.resource_version = "1.0";
    e.created_date = created;
    e.raw = "{\"id\":\"" + id + "\",\"eventType\":\"" + type +
            "\",\"publisherId\":\"tfs\",\"resourceVersion\":\"1.0\",\"createdDate\":\"" +
            format_rfc3339(created) + "\",\"resource\":" + resource + "}";
    return e;
}

struct Commit {
    std::string sha;
    Timestamp authored;
    int author = 0;
};

std::string push_resource(const Series& s, std::size_t repo_index, std::uint64_t push_id,
                          Timestamp at, const std::string& old_sha, const std::string& new_sha,
                          const std::vector<Commit>& commits) {
    std::ostringstream r;
    r << "{\"repository\":{\"id\":\"3c4b7a0e-0000-4000-8000-00000000000" << repo_index
      << "\",\"name\":\"" << s.repository
      << "\",\"project\":{\"id\":\"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c\",\"name\":\"Fabrikam\"}},"
      << "\"pushId\":" << push_id << ",\"date\":\"" << format_rfc3339(at)
      << "\",\"pushedBy\":{\"uniqueName\":\"dev@example.com\"},\"refUpdates\":[{\"name\":"
      << "\"refs/heads/" << s.branch << "\",\"oldObjectId\":\"" << old_sha
      << "\",\"newObjectId\":\"" << new_sha << "\"}],\"commits\":[";
    for (std::size_t i = commits.size(); i-- > 0;) {  // newest first, as Azure DevOps lists them
        const auto& c = commits[i];
        const std::string who = "\"name\":\"Dev " + std::to_string(c.author) +
                                "\",\"email\":\"dev" + std::to_string(c.author) +
                                "@example.com\",\"date\":\"" + format_rfc3339(c.authored) + "\"";
        r << "{\"commitId\":\"" << c.sha << "\",\"author\":{" << who << "},\"committer\":{" << who
          << "},\"comment\":\"Change " << c.sha.substr(0, 8) << ": update the thing\"}"
          << (i > 0 ? "," : "");
    }
    r << "]}";
    return r.str();
}

std::string work_item_fields(const std::string& state, Timestamp created, Timestamp changed) {
    return "{\"System.AreaPath\":\"Fabrikam\",\"System.TeamProject\":\"Fabrikam\","
           "\"System.WorkItemType\":\"Bug\",\"System.State\":\"" +
           state + "\",\"System.Tags\":\"incident\",\"System.CreatedDate\":\"" +
           format_rfc3339(created) + "\",\"System.Title\":\"outage\",\"System.ChangedDate\":\"" +
           format_rfc3339(changed) + "\"}";
}

int usage() {
    std::fprintf(
        stderr,
        "usage: gen_store --dir DIR [--deploys N] [--commits M] [--days D] [--end YYYY-MM-DD]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    std::uint64_t deploys = 1'000'000, commits = 10'000'000, days = 800;
    std::string end_text = "2026-11-01";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--dir")
            dir = value;
        else if (flag == "--deploys")
            deploys = std::strtoull(value, nullptr, 10);
        else if (flag == "--commits")
            commits = std::strtoull(value, nullptr, 10);
        else if (flag == "--days")
            days = std::strtoull(value, nullptr, 10);
        else if (flag == "--end")
            end_text = value;
        else
            return usage();
    }
    if (dir.empty() || deploys == 0 || days == 0) return usage();
    auto end = parse_rfc3339(end_text + "T00:00:00Z");
    if (!end) return usage();

    std::filesystem::create_directories(dir);
    const auto store_path = std::filesystem::absolute(dir) / "store";
    {
        std::ofstream toml(dir / "shiplog.toml");
        toml << "[storage]\npath = \"" << store_path.string() << "\"\nmax_size_mb = 65536\n";
        for (const auto& s : k_series)
            toml << "\n[[deployment]]\nname = \"" << s.name << "\"\nenvironment = \""
                 << s.environment << "\"\nproject = \"Fabrikam\"\nrepository = \"" << s.repository
                 << "\"\nbranch = \"" << s.branch << "\"\ntrigger = \"push\"\n";
        toml << "\n[failures]\nincident_work_item_types = [\"Bug\"]\nincident_tags = "
                "[\"incident\"]\n"
                "incident_closed_states = [\"Closed\", \"Done\", \"Resolved\"]\n";
    }

    auto store = storage::Store::open({store_path, std::size_t{65536} << 20, false});
    if (!store) {
        std::fprintf(stderr, "store: %s\n", store.error().message.c_str());
        return 1;
    }

    std::mt19937_64 rng(20261127);
    auto roll = [&](std::uint64_t n) { return rng() % n; };
    const auto started = std::chrono::steady_clock::now();
    constexpr std::size_t n_series = std::size(k_series);
    const std::int64_t span_ns = static_cast<std::int64_t>(days) * 86'400'000'000'000LL;
    const std::uint64_t per_deploy = std::max<std::uint64_t>(1, commits / deploys);
    const std::uint64_t per_series = (deploys + n_series - 1) / n_series;
    std::uint64_t next_commit = 0, written_commits = 0, incidents = 0, entries = 0, pushes = 0,
                  failed = 0, rollbacks = 0, written_deploys = 0, next_incident = 100000;

    struct State {
        std::string tip;                    // the branch's tip ("" before the first push)
        std::vector<std::string> deployed;  // shas of the last succeeded deploys
        std::uint64_t since_rollback = 0;
    };
    std::vector<State> states(n_series);

    try {
        auto txn = lmdb::txn::begin((*store)->env().handle());
        std::uint64_t in_txn = 0;
        auto append = [&](storage::JournalEntry e) {
            e.received_at = e.created_date.value_or(Timestamp{});
            auto appended = storage::append_entry(txn, **store, e);
            if (!appended) throw std::runtime_error(appended.error().message);
            ++entries;
            if (++in_txn == 5000) {
                txn.commit();
                txn = lmdb::txn::begin((*store)->env().handle());
                in_txn = 0;
                std::fprintf(stderr, "\r%llu deploys, %llu journal entries",
                             static_cast<unsigned long long>(written_deploys),
                             static_cast<unsigned long long>(entries));
            }
        };
        auto registration = [&](const Series& s, const std::string& sha, Timestamp at,
                                tracking::DeployStatus status) {
            tracking::RegisterDeploy r;
            r.deployment = s.name;
            r.environment = s.environment;
            r.sha = sha;
            r.date = at;
            r.status = status;
            storage::JournalEntry e;
            e.source = storage::EventSource::register_deploy;
            e.event_id = "reg-" + std::to_string(entries + 1);
            e.event_type = std::string(tracking::k_register_deploy_event_type);
            e.raw = tracking::make_register_deploy_record(r);
            e.created_date = at;
            append(std::move(e));
        };
        for (std::uint64_t i = 0; i < per_series && written_deploys < deploys; ++i) {
            const std::int64_t offset =
                span_ns / static_cast<std::int64_t>(per_series) * static_cast<std::int64_t>(i);
            for (std::size_t si = 0; si < n_series && written_deploys < deploys; ++si) {
                const auto& s = k_series[si];
                auto& st = states[si];
                // Series a few seconds apart, so that no two deploys share a time.
                const Timestamp at = *end - std::chrono::nanoseconds{span_ns} +
                                     std::chrono::nanoseconds{offset} +
                                     std::chrono::seconds{static_cast<int>(si) * 7};
                ++written_deploys;
                if (!st.tip.empty() && roll(100) < 5) {
                    registration(s, st.tip, at, tracking::DeployStatus::failed);
                    ++failed;
                    continue;
                }
                if (st.since_rollback >= 3 && st.deployed.size() >= 2 && roll(100) < 1) {
                    const std::string target = st.deployed[st.deployed.size() - 2];
                    registration(s, target, at, tracking::DeployStatus::succeeded);
                    st.deployed.push_back(target);
                    st.since_rollback = 0;
                    ++rollbacks;
                    continue;
                }
                const std::uint64_t n = 1 + roll(2 * per_deploy - 1);  // mean per_deploy
                std::vector<Commit> list;
                for (std::uint64_t c = 0; c < n; ++c)
                    list.push_back({hex_sha(next_commit++),
                                    at - std::chrono::minutes{10 + static_cast<int>(roll(4320))},
                                    static_cast<int>(roll(200))});
                written_commits += n;
                const std::string old_sha = st.tip.empty() ? std::string(40, '0') : st.tip;
                st.tip = list.back().sha;
                const std::uint64_t push_id = ++pushes;
                append(tfs_entry("push-" + std::to_string(push_id), "git.push", at,
                                 push_resource(s, si / 2, push_id, at, old_sha, st.tip, list)));
                st.deployed.push_back(st.tip);
                if (st.deployed.size() > 8) st.deployed.erase(st.deployed.begin());
                ++st.since_rollback;

                if (roll(1000) < 5) {
                    const std::uint64_t id = next_incident++;
                    const Timestamp created = at + std::chrono::minutes{5};
                    const Timestamp closed =
                        created + std::chrono::minutes{60 + static_cast<int>(roll(300))};
                    const std::string sid = std::to_string(id);
                    append(tfs_entry("wi-" + sid + "-1", "workitem.created", created,
                                     "{\"id\":" + sid + ",\"rev\":1,\"fields\":" +
                                         work_item_fields("New", created, created) +
                                         ",\"relations\":[]}"));
                    append(tfs_entry(
                        "wi-" + sid + "-2", "workitem.updated", closed,
                        "{\"id\":2,\"workItemId\":" + sid +
                            ",\"rev\":2,\"fields\":{},\"revision\":{\"id\":" + sid +
                            ",\"rev\":2,\"fields\":" + work_item_fields("Closed", created, closed) +
                            ",\"relations\":[]}}"));
                    ++incidents;
                }
            }
        }
        txn.commit();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\ngen_store: %s\n", e.what());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\r");
    std::printf(
        "deploys=%llu (pushes=%llu failed=%llu rollbacks=%llu) commits=%llu incidents=%llu "
        "journal_entries=%llu journal_seconds=%.1f\n",
        static_cast<unsigned long long>(written_deploys), static_cast<unsigned long long>(pushes),
        static_cast<unsigned long long>(failed), static_cast<unsigned long long>(rollbacks),
        static_cast<unsigned long long>(written_commits),
        static_cast<unsigned long long>(incidents), static_cast<unsigned long long>(entries),
        seconds);
    return 0;
}
