#include "tracking/drift.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "codec.hpp"
#include "common/time_format.hpp"
#include "facts.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

std::optional<std::string> latest_sha(const std::vector<DeployView>& deploys) {
    for (auto it = deploys.rbegin(); it != deploys.rend(); ++it)
        if (it->status == DeployStatus::succeeded && !it->sha.empty()) return it->sha;
    return std::nullopt;
}

}  // namespace

Result<Drift> query_drift(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                          std::string_view from, std::string_view to, Timestamp now) {
    Drift drift;
    drift.deployment = std::string(deployment);
    drift.from = std::string(from);
    drift.to = std::string(to);
    auto ahead = deploys_of(txn, tables, deployment, from);
    if (!ahead) return tl::unexpected(ahead.error());
    auto behind = deploys_of(txn, tables, deployment, to);
    if (!behind) return tl::unexpected(behind.error());
    drift.from_sha = latest_sha(*ahead);
    drift.to_sha = latest_sha(*behind);
    if (!drift.from_sha) return drift;

    const std::string to_prefix = deploy_prefix(deployment, to);
    auto shipped_to = [&](const std::string& sha) -> Result<bool> {
        if (drift.to_sha && *drift.to_sha == sha) return true;
        auto found = get(txn, tables.shipped, to_prefix + sha);
        if (!found) return tl::unexpected(found.error());
        return found->has_value();
    };
    // `to` already runs what `from` runs (or something after it).
    auto caught_up = shipped_to(*drift.from_sha);
    if (!caught_up) return tl::unexpected(caught_up.error());
    if (*caught_up) return drift;

    std::set<std::string> seen;
    for (const auto& deploy : *ahead) {
        if (deploy.status != DeployStatus::succeeded) continue;
        if (deploy.failure == Failure::rollback) continue;  // skipped back over: not running
        for (const auto& commit : deploy.commits) {
            if (!seen.insert(commit.sha).second) continue;
            auto shipped = shipped_to(commit.sha);
            if (!shipped) return tl::unexpected(shipped.error());
            if (*shipped) continue;
            DriftCommit c;
            c.commit = commit;
            c.deploy_id = deploy.id();
            c.deployed_at = deploy.deployed_at;
            c.waiting_seconds = std::max<std::int64_t>(
                0,
                std::chrono::duration_cast<std::chrono::seconds>(now - deploy.deployed_at).count());
            drift.commits.push_back(std::move(c));
        }
    }
    // Deploy order first; within a deploy, its commits' order (oldest first).
    std::stable_sort(
        drift.commits.begin(), drift.commits.end(),
        [](const DriftCommit& a, const DriftCommit& b) { return a.deployed_at < b.deployed_at; });
    return drift;
}

std::string drift_json(const Drift& d) {
    std::string out = "{\"deployment\":";
    append_json_string(out, d.deployment);
    out += ",\"from\":";
    append_json_string(out, d.from);
    out += ",\"to\":";
    append_json_string(out, d.to);
    for (auto [key, sha] :
         {std::pair{",\"from_sha\":", &d.from_sha}, std::pair{",\"to_sha\":", &d.to_sha}}) {
        out += key;
        if (*sha)
            append_json_string(out, **sha);
        else
            out += "null";
    }
    out += ",\"commits\":[";
    for (std::size_t i = 0; i < d.commits.size(); ++i) {
        const auto& c = d.commits[i];
        if (i) out += ",";
        out += "{\"sha\":";
        append_json_string(out, c.commit.sha);
        out += ",\"author_email\":";
        append_json_string(out, c.commit.author_email);
        out += ",\"authored_at\":";
        if (c.commit.authored_at)
            append_json_string(out, format_rfc3339(*c.commit.authored_at));
        else
            out += "null";
        out += ",\"summary\":";
        append_json_string(out, c.commit.summary);
        out += ",\"deploy\":";
        append_json_string(out, c.deploy_id);
        out += ",\"deployed_at\":";
        append_json_string(out, format_rfc3339(c.deployed_at));
        out += ",\"waiting_seconds\":" + std::to_string(c.waiting_seconds) + "}";
    }
    out += "]}";
    return out;
}

}  // namespace shiplog::tracking
