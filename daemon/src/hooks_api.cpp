#include "hooks_api.hpp"

#include <algorithm>
#include <map>

#include "common/ascii.hpp"
#include "common/time_format.hpp"
#include "handlers/push_event.hpp"
#include "http/message.hpp"
#include "storage/journal.hpp"

namespace shiplog::daemon {
namespace {

using http::json_escape;
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

std::string json_string(std::string_view s) {
    return "\"" + json_escape(s) + "\"";
}

Timestamp to_timestamp(std::chrono::system_clock::time_point t) {
    return std::chrono::time_point_cast<std::chrono::nanoseconds>(t);
}

struct RepoSeen {
    std::string project;
    std::string repository;
    std::vector<std::string> deployments;  // "name:environment"
    std::optional<Timestamp> received_at;
    std::optional<Timestamp> pushed_at;
};

std::string sync_json(const std::optional<HookStatusBoard::State>& sync) {
    if (!sync)
        return R"({"state":"not_running","finished_at":null,"message":null,"runs_ok":0,"runs_failed":0,"reenabled":0})";
    const auto& run = sync->last_run;
    std::string out = "{\"state\":" + json_string(to_string(run.outcome)) + ",\"finished_at\":";
    out += run.outcome == Outcome::none
               ? "null"
               : json_string(format_rfc3339(to_timestamp(run.finished_at)));
    out += ",\"message\":" + (run.message.empty() ? std::string("null") : json_string(run.message));
    out += ",\"runs_ok\":" + std::to_string(sync->stats.runs_ok);
    out += ",\"runs_failed\":" + std::to_string(sync->stats.runs_failed);
    out += ",\"reenabled\":" + std::to_string(sync->stats.reenabled) + "}";
    return out;
}

// Only ids, types, states and the publisher's filters: consumer inputs hold
// the webhook credentials and never leave the process.
std::string subscriptions_json(const std::optional<HookStatusBoard::State>& sync) {
    std::string out = "[";
    if (!sync) return out + "]";
    bool first = true;
    for (const auto& s : sync->last_run.subscriptions) {
        out += first ? "{" : ",{";
        first = false;
        out += "\"id\":" + (s.id.empty() ? std::string("null") : json_string(s.id));
        out += ",\"event_type\":" + json_string(s.event_type);
        out += ",\"status\":" + json_string(s.status.empty() ? "enabled" : s.status);
        out += ",\"probation_retries\":" + std::to_string(s.probation_retries);
        out += ",\"filters\":{";
        bool first_filter = true;
        for (const auto& [key, value] : s.publisher_inputs) {
            if (key == "tfsSubscriptionId" || key == "hostId")
                continue;  // server-added bookkeeping
            out += (first_filter ? "" : ",") + json_string(key) + ":" + json_string(value);
            first_filter = false;
        }
        out += "}}";
    }
    return out + "]";
}

}  // namespace

Result<std::string> hooks_json(const std::optional<HookStatusBoard::State>& sync,
                               const config::Config& config, lmdb::txn& txn,
                               const storage::Store& store) {
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
        if ((*entry)->event_type != "git.push") continue;
        auto push = handlers::parse_push_event((*entry)->raw);
        if (!push) continue;
        auto it = repos.find(lower(push->project_name) + "/" + lower(push->repository_name));
        if (it == repos.end() || it->second.received_at) continue;
        it->second.received_at = (*entry)->received_at;
        it->second.pushed_at = push->date;
        --missing;
    }

    std::string out = "{\"sync\":" + sync_json(sync);
    out += ",\"subscriptions\":" + subscriptions_json(sync);
    out += ",\"last_event_at\":" +
           (last_event_at ? json_string(format_rfc3339(*last_event_at)) : std::string("null"));
    out += ",\"scanned_events\":" + std::to_string(scanned);
    out += ",\"repositories\":[";
    bool first = true;
    for (const auto& [key, r] : repos) {
        out += first ? "{" : ",{";
        first = false;
        out += "\"project\":" + json_string(r.project) +
               ",\"repository\":" + json_string(r.repository);
        out += ",\"deployments\":[";
        for (std::size_t i = 0; i < r.deployments.size(); ++i)
            out += (i ? "," : "") + json_string(r.deployments[i]);
        out += "],\"last_push_received_at\":" +
               (r.received_at ? json_string(format_rfc3339(*r.received_at)) : std::string("null"));
        out += ",\"last_push_at\":" +
               (r.pushed_at ? json_string(format_rfc3339(*r.pushed_at)) : std::string("null"));
        out += "}";
    }
    out += "]}";
    return out;
}

}  // namespace shiplog::daemon
