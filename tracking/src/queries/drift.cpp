#include "tracking/drift.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/time_format.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

std::optional<std::string> latest_sha(const std::vector<DeployView>& deploys) {
    for (auto it = deploys.rbegin(); it != deploys.rend(); ++it)
        if (it->status == DeployStatus::succeeded && !it->sha.empty()) return it->sha;
    return std::nullopt;
}

}  // namespace

Result<Drift> query_drift(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                          std::string_view deployment, std::string_view from, std::string_view to,
                          Timestamp now) {
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
    std::string repo;
    for (const auto& d : config.deployments)
        if (d.name == deployment && d.environment == to) repo = repo_key(d.project, d.repository);
    auto shipped_to = [&](const std::string& sha) -> Result<bool> {
        if (drift.to_sha && *drift.to_sha == sha) return true;
        auto key = shipped_key_of(txn, tables, repo, to_prefix, sha);
        if (!key) return tl::unexpected(key.error());
        if (!*key) return false;
        auto found = get(txn, tables.shipped, **key);
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
    json::Writer w;
    w.begin_object().field("deployment", d.deployment).field("from", d.from).field("to", d.to);
    w.field("from_sha", d.from_sha).field("to_sha", d.to_sha).key("commits").begin_array();
    for (const auto& c : d.commits) {
        w.begin_object();
        write_commit_fields(w, c.commit);
        w.field("deploy", c.deploy_id).field("deployed_at", format_rfc3339(c.deployed_at));
        w.field("waiting_seconds", c.waiting_seconds).end_object();
    }
    return w.end_array().end_object().take();
}

}  // namespace shiplog::tracking
