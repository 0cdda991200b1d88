#include "routes/hooks_api.hpp"

#include <algorithm>
#include <map>

#include "common/ascii.hpp"
#include "common/event_kind.hpp"
#include "common/json.hpp"
#include "common/time_format.hpp"
#include "handlers/push_event.hpp"
#include "http/message.hpp"
#include "storage/journal.hpp"

namespace shiplog::daemon {
namespace {

using Outcome = azure::HookSyncWorker::LastRun::Outcome;

using ascii::lower;

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::none:
            return "pending";
        case Outcome::not_configured:
            return "not_configured";
        case Outcome::skipped:
            return "skipped";
        case Outcome::ok:
            return "ok";
        case Outcome::failed:
            return "failed";
    }
    return "pending";
}

Timestamp to_timestamp(std::chrono::system_clock::time_point t) {
    return std::chrono::time_point_cast<std::chrono::nanoseconds>(t);
}

std::optional<std::string> optional_time(const std::optional<Timestamp>& t) {
    if (!t) return std::nullopt;
    return format_rfc3339(*t);
}

struct RepoSeen {
    std::string project;
    std::string repository;
    std::vector<std::string> deployments;  // "name:environment"
    std::optional<Timestamp> received_at;
    std::optional<Timestamp> pushed_at;
};

void write_sync(json::Writer& w, const std::optional<HookStatusBoard::State>& sync) {
    w.begin_object();
    if (!sync) {
        w.field("state", "not_running").null_field("finished_at").null_field("message");
        w.field("runs_ok", 0).field("runs_failed", 0).field("reenabled", 0);
        w.end_object();
        return;
    }
    const auto& run = sync->last_run;
    w.field("state", to_string(run.outcome));
    w.key("finished_at");
    if (run.outcome == Outcome::none)
        w.null();
    else
        w.value(format_rfc3339(to_timestamp(run.finished_at)));
    w.key("message");
    if (run.message.empty())
        w.null();
    else
        w.value(run.message);
    w.field("runs_ok", sync->stats.runs_ok).field("runs_failed", sync->stats.runs_failed);
    w.field("reenabled", sync->stats.reenabled).end_object();
}

// Only ids, types, states and the publisher's filters: consumer inputs hold
// the webhook credentials and never leave the process.
void write_subscriptions(json::Writer& w, const std::optional<HookStatusBoard::State>& sync) {
    w.begin_array();
    if (sync) {
        for (const auto& s : sync->last_run.subscriptions) {
            w.begin_object().key("id");
            if (s.id.empty())
                w.null();
            else
                w.value(s.id);
            w.field("event_type", s.event_type);
            w.field("status", s.status.empty() ? std::string("enabled") : s.status);
            w.field("probation_retries", s.probation_retries);
            w.key("filters").begin_object();
            for (const auto& [key, value] : s.publisher_inputs) {
                if (key == "tfsSubscriptionId" || key == "hostId")
                    continue;  // server-added bookkeeping
                w.field(key, value);
            }
            w.end_object().end_object();
        }
    }
    w.end_array();
}

void write_notify(json::Writer& w, const std::vector<NotifyTargetCounts>& targets) {
    std::uint64_t queued = 0, sent = 0, failed = 0, given_up = 0;
    for (const auto& t : targets) {
        queued += t.queued;
        sent += t.tally.sent;
        failed += t.tally.failed;
        given_up += t.tally.given_up;
    }
    w.begin_object()
        .field("queued", queued)
        .field("sent", sent)
        .field("failed", failed)
        .field("given_up", given_up);
    w.key("targets").begin_array();
    for (const auto& t : targets) {
        w.begin_object().field("name", t.name).field("kind", t.kind);
        w.field("queued", t.queued)
            .field("sent", t.tally.sent)
            .field("failed", t.tally.failed)
            .field("given_up", t.tally.given_up)
            .end_object();
    }
    w.end_array().end_object();
}

}  // namespace

Result<std::vector<NotifyTargetCounts>> notify_counts(const config::Config& config,
                                                      storage::Txn& txn,
                                                      const storage::Outbox& outbox) {
    std::vector<NotifyTargetCounts> out;
    auto slot = [&](const std::string& name) -> NotifyTargetCounts& {
        for (auto& t : out)
            if (t.name == name) return t;
        out.push_back(NotifyTargetCounts{name, std::nullopt, 0, {}});
        return out.back();
    };
    for (const auto& n : config.notify) slot(n.name).kind = config::to_string(n.kind);
    auto tally = outbox.tally(txn);
    if (!tally) return tl::unexpected(tally.error());
    for (const auto& [name, counts] : *tally) slot(name).tally = counts;
    auto waiting = outbox.waiting_per_target(txn, k_hooks_scan_outbox);
    if (!waiting) return tl::unexpected(waiting.error());
    for (const auto& [name, n] : *waiting) slot(name).queued = n;
    return out;
}

Result<std::string> hooks_json(const std::optional<HookStatusBoard::State>& sync,
                               const config::Config& config, storage::Txn& txn,
                               const storage::Store& store,
                               const std::vector<NotifyTargetCounts>* notify) {
    std::map<std::string, RepoSeen> repos;  // lower "project/repository"
    for (const auto& d : config.deployments) {
        auto& r = repos[lower(d.project) + "/" + lower(d.repository)];
        r.project = d.project;
        r.repository = d.repository;
        r.deployments.push_back(d.name + ":" + d.environment);
    }

    auto last = storage::last_seq(txn, store);
    if (!last) return tl::unexpected(last.error());
    std::optional<Timestamp> last_event_at;
    std::size_t missing = repos.size();
    std::uint64_t scanned = 0;
    // Newest first, so the walk usually stops after a handful of entries.
    for (std::uint64_t seq = *last;
         seq > 0 && scanned < k_hooks_scan_entries && (missing > 0 || !last_event_at);
         --seq, ++scanned) {
        auto entry = storage::read_entry(txn, store, seq);
        if (!entry) return tl::unexpected(entry.error());
        if (!*entry) continue;
        if (!last_event_at) last_event_at = (*entry)->received_at;
        if (event_kind_of((*entry)->event_type) != EventKind::git_push) continue;
        auto push = handlers::parse_push_event((*entry)->raw);
        if (!push) continue;
        auto it = repos.find(lower(push->project_name) + "/" + lower(push->repository_name));
        if (it == repos.end() || it->second.received_at) continue;
        it->second.received_at = (*entry)->received_at;
        it->second.pushed_at = push->date;
        --missing;
    }

    json::Writer w;
    w.begin_object().key("sync");
    write_sync(w, sync);
    w.key("subscriptions");
    write_subscriptions(w, sync);
    w.field("last_event_at", optional_time(last_event_at)).field("scanned_events", scanned);
    w.key("repositories").begin_array();
    for (const auto& [key, r] : repos) {
        w.begin_object().field("project", r.project).field("repository", r.repository);
        w.key("deployments").begin_array();
        for (const auto& d : r.deployments) w.value(d);
        w.end_array();
        w.field("last_push_received_at", optional_time(r.received_at));
        w.field("last_push_at", optional_time(r.pushed_at)).end_object();
    }
    w.end_array();
    if (notify) {
        w.key("notify");
        write_notify(w, *notify);
    }
    w.end_object();
    return w.take();
}

}  // namespace shiplog::daemon
