// One backfill pass: see backfill.hpp and docs/azure-devops.md section 5.
//
// Order matters for deploy ids (they end in the journal seq of the event
// that made them): notification history first, in the order Azure DevOps
// created the deliveries, so a missed delivery gets the place live delivery
// would have given it; REST history after, which only fills what no
// notification carried (facts are keyed naturally: a push, build or work-item
// revision already known counts once).
#include "workers/backfill.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "azure/hook_plan.hpp"
#include "common/ascii.hpp"
#include "common/json.hpp"
#include "common/time_format.hpp"
#include "handlers/pull_request_event.hpp"
#include "storage/journal.hpp"

namespace shiplog::daemon {
namespace {

constexpr auto k_commit_timeout = std::chrono::milliseconds{60000};
constexpr std::size_t k_max_scan_back = 100000;  // entries looked at for "the last delivery"

using ascii::lower;

class Pass {
  public:
    Pass(azure::AzureDevOpsClient& client, const config::Config& config, EventIntake& intake,
         const BackfillRequest& request, const BackfillLog& log)
        : m_client(client),
          m_config(config),
          m_intake(intake),
          m_request(request),
          m_log(log),
          m_since(format_rfc3339(request.since)) {}

    BackfillReport run() {
        notification_history();
        for (const auto& d : m_config.deployments) {
            if (!m_request.deployment.empty() && d.name != m_request.deployment) continue;
            if (cancelled()) break;
            if (!d.repository.empty()) pushes(d);
            if (!d.repository.empty()) pull_requests(d);
            if (!d.pipeline.empty()) builds(d);
            work_items(d.project);
        }
        return std::move(m_report);
    }

  private:
    void error(const std::string& line) {
        m_report.errors.push_back(line);
        if (m_log.error) m_log.error(line);
    }

    bool cancelled() {
        if (!m_log.cancelled || !m_log.cancelled()) return false;
        if (m_report.errors.empty() || m_report.errors.back() != "cancelled")
            m_report.errors.push_back("cancelled");
        return true;
    }

    void submit(const std::string& body, const std::string& what) {
        if (cancelled()) return;
        auto r = m_intake.submit(body, storage::EventSource::backfill, k_commit_timeout);
        if (m_log.progress) m_log.progress(++m_submitted);
        if (!r) {
            ++m_report.failed;
            if (m_log.error) m_log.error(what + ": " + r.error().message);
            return;
        }
        if (r->status == IntakeStatus::stored) {
            ++m_report.stored;
            if (m_log.stored) m_log.stored(what);
        } else if (r->status == IntakeStatus::duplicate) {
            ++m_report.duplicate;
        } else {
            ++m_report.ignored;
        }
    }

    // 1. Our subscriptions' delivery history: the events themselves.
    void notification_history() {
        auto subscriptions = m_client.list_subscriptions();
        if (!subscriptions) return error(subscriptions.error().message);
        const auto identity = azure::make_identity(m_config);
        std::vector<std::string> ours;
        for (const auto& s : *subscriptions)
            if (azure::is_owned(s, identity.instance)) ours.push_back(s.id);
        if (ours.empty()) return;
        auto notifications = m_client.query_notifications(ours, m_since);
        if (!notifications) return error(notifications.error().message);
        auto& list = *notifications;
        std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
            auto ta = parse_rfc3339(a.created_date), tb = parse_rfc3339(b.created_date);
            return std::make_tuple(ta ? *ta : Timestamp{}, a.id) <
                   std::make_tuple(tb ? *tb : Timestamp{}, b.id);
        });
        for (const auto& n : list)
            if (!n.event_json.empty()) submit(n.event_json, "notification " + std::to_string(n.id));
    }

    // 2. REST history of what the deployments track, each source once
    // however many deployments share it.
    void pushes(const config::DeploymentConfig& d) {
        const std::string ref =
            d.branch.rfind("refs/", 0) == 0 ? d.branch : "refs/heads/" + d.branch;
        if (!m_done.insert("repo\n" + d.project + "\n" + d.repository + "\n" + ref).second) return;
        auto ids = m_client.list_push_ids(d.project, d.repository, ref, m_since);
        if (!ids) return error(ids.error().message);
        std::vector<std::int64_t> sorted = *ids;
        std::sort(sorted.begin(), sorted.end());  // oldest push first
        for (auto id : sorted) {
            if (cancelled()) return;
            auto push = m_client.get_push_json(d.project, d.repository, id);
            if (!push) {
                error(push.error().message);
                continue;
            }
            // No createdDate: a push's time is its resource.date.
            submit(rest_envelope("shiplog-backfill:push:" + lower(d.project + "/" + d.repository) +
                                     ":" + std::to_string(id),
                                 EventKind::git_push, *push),
                   "push " + std::to_string(id));
        }
    }

    // Completed pull requests closed since then, each with its commits and
    // threads (the breakdown's coding and review times).
    void pull_requests(const config::DeploymentConfig& d) {
        if (!m_done.insert("prs\n" + lower(d.project) + "\n" + lower(d.repository)).second) return;
        auto list = m_client.list_pull_requests_json(d.project, d.repository);
        if (!list) return error(list.error().message);
        for (const auto& pr_json : *list) {
            if (cancelled()) return;
            auto pr = handlers::parse_pull_request_record(
                json::Writer().begin_object().key("pullRequest").raw(pr_json).end_object().take());
            if (!pr) continue;
            const auto& p = pr->pull_request;
            if (p.status != "completed" || !p.closed_date || *p.closed_date < m_request.since)
                continue;
            auto record =
                pull_request_record(m_client, d.project, d.repository, pr_json, p.pull_request_id);
            if (!record) {
                error(record.error().message);
                continue;
            }
            auto r = m_intake.submit_record(
                "shiplog-backfill:pullrequest:" + lower(d.project + "/" + d.repository) + ":" +
                    std::to_string(p.pull_request_id),
                handlers::k_pull_request_record_type, std::move(*record),
                storage::EventSource::backfill, k_commit_timeout);
            if (m_log.progress) m_log.progress(++m_submitted);
            const std::string what = "pull request " + std::to_string(p.pull_request_id);
            if (!r) {
                ++m_report.failed;
                if (m_log.error) m_log.error(what + ": " + r.error().message);
            } else if (r->status == IntakeStatus::duplicate) {
                ++m_report.duplicate;
            } else {
                ++m_report.stored;
                if (m_log.stored) m_log.stored(what);
            }
        }
    }

    void builds(const config::DeploymentConfig& d) {
        if (!m_done.insert("pipeline\n" + d.project + "\n" + d.pipeline).second) return;
        auto definition = m_client.get_build_definition(d.project, d.pipeline);
        if (!definition) return error(definition.error().message);
        auto builds = m_client.list_completed_builds_json(d.project, definition->id, m_since);
        if (!builds) return error(builds.error().message);
        for (const auto& [id, build] : *builds)  // a build's time is its resource.finishTime
            // GET build/builds answers the 2.0 shape of a Build.
            submit(rest_envelope("shiplog-backfill:build:" + std::to_string(id),
                                 EventKind::build_complete, build, "2.0"),
                   "build " + std::to_string(id));
    }

    void work_items(const std::string& project) {
        if (!m_done.insert("project\n" + lower(project)).second) return;
        auto ids = m_client.changed_work_item_ids(project, m_since);
        if (!ids) return error(ids.error().message);
        if (ids->empty()) return;
        auto items = m_client.get_work_items_json(project, *ids);
        if (!items) return error(items.error().message);
        for (const auto& item : *items)
            submit(work_item_event(item),
                   "work item " + std::to_string(item.id) + " rev " + std::to_string(item.rev));
    }

    azure::AzureDevOpsClient& m_client;
    const config::Config& m_config;
    EventIntake& m_intake;
    const BackfillRequest& m_request;
    const BackfillLog& m_log;
    const std::string m_since;
    std::set<std::string> m_done;
    BackfillReport m_report;
    std::size_t m_submitted = 0;
};

}  // namespace

std::string rest_envelope(const std::string& id, EventKind kind, const std::string& resource,
                          std::string_view resource_version) {
    const auto& row = info(kind);
    if (resource_version.empty()) resource_version = row.resource_version;
    json::Writer w;
    w.begin_object().field("id", id).field("eventType", row.name);
    w.field("publisherId", row.publisher).field("resourceVersion", resource_version);
    return w.key("resource").raw(resource).end_object().take();
}

std::string work_item_event(const azure::WorkItemJson& item) {
    const std::string id =
        "shiplog-backfill:workitem:" + std::to_string(item.id) + ":" + std::to_string(item.rev);
    if (item.rev <= 1) return rest_envelope(id, EventKind::work_item_created, item.json);
    // An update resource whose revision is the work item as it is now; no
    // field changes are known (resource.fields empty), so no previous state.
    json::Writer w;
    w.begin_object().field("id", item.rev).field("workItemId", item.id).field("rev", item.rev);
    w.key("fields").begin_object().end_object();
    w.key("revision").raw(item.json).end_object();
    return rest_envelope(id, EventKind::work_item_updated, w.take());
}

Result<std::string> pull_request_record(azure::AzureDevOpsClient& client,
                                        const std::string& project, const std::string& repository,
                                        const std::string& pull_request_json, std::int64_t id) {
    auto commits = client.pull_request_commits_json(project, repository, id);
    if (!commits && commits.error().code != ErrorCode::not_found)
        return tl::unexpected(commits.error());
    auto threads = client.pull_request_threads_json(project, repository, id);
    if (!threads) return tl::unexpected(threads.error());
    // A 404 for the commits is kept as null: the pull request is then left
    // out of coding time rather than scored 0.
    json::Writer w;
    w.begin_object().key("pullRequest").raw(pull_request_json).key("commits");
    if (commits)
        w.raw(*commits);
    else
        w.null();
    return w.key("threads").raw(*threads).end_object().take();
}

BackfillReport run_backfill_pass(azure::AzureDevOpsClient& client, const config::Config& config,
                                 EventIntake& intake, const BackfillRequest& request,
                                 const BackfillLog& log) {
    return Pass(client, config, intake, request, log).run();
}

std::uint64_t journal_last_seq(storage::Store& store) {
    auto last = storage::read(store, "read the journal",
                              [&](storage::Txn& txn) { return storage::last_seq(txn, store); });
    return last ? *last : 0;
}

std::optional<Timestamp> last_delivery(storage::Store& store, std::uint64_t up_to) {
    auto found = storage::read(
        store, "read the journal", [&](storage::Txn& txn) -> std::optional<Timestamp> {
            std::uint64_t from = up_to;
            if (from == 0) {
                auto last = storage::last_seq(txn, store);
                if (!last) return std::nullopt;
                from = *last;
            }
            for (std::uint64_t seq = from, n = 0; seq > 0 && n < k_max_scan_back; --seq, ++n) {
                auto entry = storage::read_entry(txn, store, seq);
                if (!entry || !*entry) continue;
                if ((*entry)->source != storage::EventSource::webhook) continue;
                return (*entry)->received_at - std::chrono::hours{1};
            }
            return std::nullopt;
        });
    return found ? *found : std::nullopt;
}

}  // namespace shiplog::daemon
