#pragma once
// DORA figures (docs/reference/http-api.md, §5) over a window [since, until), and the records
// behind each figure. compute_dora() is a pure function of deploy histories
// and incidents, so the definitions are unit-testable without LMDB;
// query_dora() reads those inputs from the store.
//
// Threading: everything here is re-entrant; query_dora() works in any
// (read-only is enough) transaction.

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
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking {

// Every deploy of one deployment+environment, oldest first (deployed_at, then
// seq), as deploys_of() returns them. The failure and incidents fields are the
// projector's (window-independent) answers.
struct DeploySeries {
    std::string deployment;
    std::string environment;
    std::vector<DeployView> deploys;
    // Incidents blamed on deploys of this series that `deploys` leaves out
    // (query_dora passes only the deploys a window needs).
    std::vector<std::string> blamed_incidents;
};

// One commit's lead time: shipped first by `deploy_id`.
struct LeadTimeRecord {
    std::string sha;
    std::string deploy_id;
    Timestamp authored_at{};
    Timestamp deployed_at{};
    std::int64_t seconds = 0;  // whole seconds, clamped at 0
};

enum class RestoreKind { failed_deploy, rollback, incident };
const char* to_string(RestoreKind kind);  // "failed_deploy", "rollback", "incident"

// One failure (docs/reference/definitions.md "time to restore") and what restored it.
struct RestoreRecord {
    RestoreKind kind = RestoreKind::failed_deploy;
    std::string failure;      // failed deploy id, first rolled-back deploy id, or "incident <id>"
    std::string restored_by;  // next succeeded deploy id, rollback deploy id, or the closing state
    Timestamp failed_at{};
    Timestamp restored_at{};
    std::int64_t seconds = 0;  // whole seconds, clamped at 0
};

// A deploy counted as a change (succeeded or failed) in the window.
struct ChangeRecord {
    std::string deploy_id;
    DeployStatus status = DeployStatus::succeeded;
    Failure failure = Failure::none;
    std::vector<std::string> incidents;  // blamed on it
    Rework rework = Rework::none;
    BatchSize batch;
};

// One pull request first shipped in the window, and where its lead time went.
struct PullRequestRecord {
    std::int64_t id = 0;
    std::string deploy_id;  // the first succeeded deploy that shipped it
    std::string title;
    Timestamp created_at{};
    std::optional<Timestamp> first_review_at;
    Timestamp merged_at{};
    Timestamp deployed_at{};
    std::optional<std::int64_t> coding;  // seconds; nullopt when its commits are unknown
    std::int64_t pickup = 0;
    std::int64_t review = 0;
    std::int64_t deploy = 0;
};

// A median (middle value, or mean of the two middle ones) and a p90 (nearest rank).
struct Spread {
    std::optional<double> median;
    std::optional<std::int64_t> p90;
};

// The records behind each figure, in time order.
struct DoraExplain {
    std::vector<ChangeRecord> changes;    // succeeded + failed deploys deployed in the window
    std::vector<LeadTimeRecord> commits;  // commits first shipped in the window
    std::vector<RestoreRecord> restores;  // failures restored in the window
    std::vector<PullRequestRecord> pull_requests;  // first shipped in the window
};

// docs/reference/http-api.md's figures. nullopt is JSON null: a figure whose denominator is 0.
struct DoraFigures {
    std::optional<std::string> deployment;  // echo of the filter; nullopt = all
    std::optional<std::string> environment;
    Timestamp since{};
    Timestamp until{};
    std::int64_t deploys = 0;                   // succeeded deploys in the window
    std::optional<double> deploys_per_day;      // deploys / window days
    std::int64_t deploy_days = 0;               // UTC days with >= 1 succeeded deploy
    std::optional<double> lead_time_median;     // seconds
    std::optional<std::int64_t> lead_time_p90;  // seconds, nearest rank
    std::int64_t lead_time_commits = 0;
    std::optional<double> change_failure_rate;     // rounded to 4 decimals
    std::optional<double> time_to_restore_median;  // seconds
    std::int64_t time_to_restore_failures = 0;
    // Lead time breakdown over the pull requests first shipped in the window.
    Spread coding, pickup, review, deploy;
    std::int64_t pull_requests = 0;
    std::int64_t direct_commits = 0;    // commits first shipped in the window by no pull request
    std::optional<double> rework_rate;  // rework deploys / succeeded deploys, 4 decimals
    std::int64_t rework_deploys = 0;
    std::optional<double> batch_median_commits;   // over the window's succeeded deploys
    std::int64_t batch_counts[4] = {0, 0, 0, 0};  // S, M, L, XL
    DoraExplain explain;
};

// The figures for deploys in [since, until) across `series` (each deploy
// counts once; series must be distinct deployment+environments). Incidents
// count for a series when blamed on one of its deploys (DeployView::incidents);
// one blamed in several series is one failure for time to restore, with the
// data from `incidents` (matched by id; ids missing there are ignored).
// Echo fields are left empty for the caller to fill. Requires since <= until.
DoraFigures compute_dora(const std::vector<DeploySeries>& series,
                         const std::vector<IncidentView>& incidents, Timestamp since,
                         Timestamp until);

// What to compute: nullopt = every configured one.
struct DoraQuery {
    std::optional<std::string> deployment;
    std::optional<std::string> environment;
    Timestamp since{};
    Timestamp until{};
    // Fill DoraFigures::explain (reads the window's deploy records). Without
    // it only the index rows of the window are read (deploy_index.hpp).
    bool explain = true;
};

// The default window: the 30 days up to `now`.
DoraQuery default_window(Timestamp now);

// compute_dora over the configured deployment+environments that match
// `query`. not_found (naming it) for a deployment/environment the config does
// not have; invalid_argument when since > until.
Result<DoraFigures> query_dora(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                               const DoraQuery& query);

// docs/reference/http-api.md's object, fields in the documented order, no whitespace.
std::string dora_json(const DoraFigures& figures);
// The same object with an "explain" member appended (records behind each figure).
std::string dora_json_with_explain(const DoraFigures& figures);

// JSON number text as dora_json writes it: integral values without a
// fraction for seconds; `decimals` rounding for rates ("1.0", "0.0968").
std::string format_rate(double value);
std::string format_seconds(double value);

}  // namespace shiplog::tracking
