#pragma once
// Environment drift: what one environment of a deployment runs that another
// does not yet (staging ahead of production).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/deploy.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking {

struct DriftCommit {
    CommitView commit;
    std::string deploy_id;             // the first succeeded deploy that shipped it to `from`
    Timestamp deployed_at;             // that deploy's deployed_at
    std::int64_t waiting_seconds = 0;  // now - deployed_at, at least 0
};

struct Drift {
    std::string deployment;
    std::string from;
    std::string to;
    std::optional<std::string> from_sha;  // latest succeeded deploy of each; nullopt: none yet
    std::optional<std::string> to_sha;
    std::vector<DriftCommit> commits;  // oldest first (deployed to `from`, then authored)
};

// The commits the succeeded deploys of deployment+`from` shipped that no
// succeeded deploy of deployment+`to` has shipped, leaving out deploys that
// a rollback skipped back over; empty when `to` runs `from`'s latest sha or
// is ahead of it. not_found when either series is not configured is the
// caller's check; `config` names the repository whose commits `to` ships.
Result<Drift> query_drift(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                          std::string_view deployment, std::string_view from, std::string_view to,
                          Timestamp now);

// {"deployment","from","to","from_sha","to_sha","commits":[{"sha","author_email",
// "authored_at","summary","deploy","deployed_at","waiting_seconds"}]}
std::string drift_json(const Drift& drift);

}  // namespace shiplog::tracking
