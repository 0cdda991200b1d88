#pragma once
// Private to tracking: the query indexes beside tr_deploys, written by
// recompute in the same transaction as the deploys they index, so that
// queries read only the rows of their time window (docs/architecture.md).
//
//   tr_deploy_time   deployment \0 environment \0 time(u64 BE) seq(u64 BE)
//                    -> status u8, failure u8, sha-seen-before u8, sha,
//                       first-shipped flags (one bit per commit), lead
//                       seconds, restore seconds (lengths, counts and seconds
//                       as LEB128 varints: ~90 bytes a row)
//   tr_deploy_shas   deployment \0 environment \0 sha \0 time(u64 BE) seq(u64 BE)
//                    -> "" (succeeded deploys with a known sha)
//   tr_incident_blame deployment \0 environment \0 restored(u64 BE) incident id
//                    -> the restored incident blamed on one of its deploys
//   tr_deploy_days   deployment \0 environment \0 UTC day start(u64 BE time)
//                    -> succeeded deploys, changes, failed changes, lead count,
//                       restore count, rework deploys, direct commits, pull
//                       requests, the S/M/L/XL batch counts, coding count
//                       (varints), value width (u8: 4 or 8), then ascending
//                       fixed-width little-endian arrays: lead seconds,
//                       restore seconds, batch commits (one per succeeded
//                       deploy), coding, pickup, review and deploy seconds
//                       (pickup/review/deploy: one per pull request)
//
// Times are nanoseconds since the epoch with the sign bit flipped, so byte
// order is time order. "First-shipped" answers "commit -> first deploy"
// inside the deploy that ships it: flag i says the deploy's commits[i] was
// shipped by no earlier succeeded deploy of the deployment+environment
// (lead time counts only those).
//
// A day row sums the tr_deploy_time rows of its day (the figures a window
// counts, the breakdown, rework and batch figures included) and keeps their
// seconds sorted, so that a window of whole days reads one row per day and
// still finds exact medians and p90s: the k-th
// value of the union of sorted arrays by binary search on the value
// (kth_smallest). Recompute rewrites the day rows from the day of the first
// position it rewrote (rebuild_days), in the same transaction.
//
// A row also carries every figure docs/reference/definitions.md attributes to its deploy, derived
// over the whole history of the series when the row is written, so that
// `metrics` reads only the rows of its window, in key order, and never a
// deploy record: the lead time of each commit it ships first, and the time
// to restore of each failure it restores (the failed deploys since the
// previous succeeded deploy, and the rollback it is). A failure counts in
// the window of the deploy that restores it, as in compute_dora.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "tracking/deploy.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// One shipped pull request's share of lead time, in whole seconds.
struct PullRequestSeconds {
    std::optional<std::int64_t> coding;  // unknown when its own commits are
    std::int64_t pickup = 0;
    std::int64_t review = 0;
    std::int64_t deploy = 0;

    friend bool operator==(const PullRequestSeconds&, const PullRequestSeconds&) = default;
};

// The figures of issue "where lead time goes" a row carries beside the four keys.
struct RowExtras {
    Rework rework = Rework::none;
    BatchSize batch;
    std::int64_t direct_commits = 0;                // shipped first, brought by no pull request
    std::vector<PullRequestSeconds> pull_requests;  // shipped first by this deploy

    friend bool operator==(const RowExtras&, const RowExtras&) = default;
};

// The breakdown of one pull request the deploy ships (clamped at 0).
PullRequestSeconds pull_request_seconds(const PullRequestView& pr, Timestamp deployed_at);

// One tr_deploy_time row, decoded.
struct DeployIndexRow {
    Timestamp deployed_at{};
    std::uint64_t seq = 0;
    DeployStatus status = DeployStatus::succeeded;
    std::string sha;
    std::string first_shipped;  // '\1' per commit shipped first by this deploy, else '\0'
    Failure failure = Failure::none;
    // An earlier succeeded deploy of the series had this sha (a rollback
    // candidate; only those need the sha index).
    bool sha_seen_before = false;
    std::vector<std::int64_t> lead_seconds;     // commits shipped first with an authored time
    std::vector<std::int64_t> restore_seconds;  // failures this deploy restores
    RowExtras extras;
};

// Builds rows from a series' deploys, oldest first, one at a time (compute_dora's
// rules over the whole history: first-shipped commits, restores by the next
// succeeded deploy, rollbacks). A derivation that starts inside the series
// (recompute from a position) gives it the state of the rows before that
// position; it must not start after a rollback target it needs (recompute
// moves its start back to keep rollback intervals inside what it rewrites).
class SeriesIndexer {
  public:
    struct Before {
        std::vector<Timestamp> failed_since;      // failed deploys since the last succeeded one
        std::optional<std::string> previous_sha;  // the last succeeded deploy with a sha
        // Whether an earlier succeeded deploy shipped the commit / had the sha.
        std::function<bool(const std::string&)> shipped;
        std::function<bool(const std::string&)> sha_seen;
    };
    // `commits_new`: the caller guarantees no commit of a succeeded deploy was
    // shipped before (bench/gen_store: saves a set of every commit).
    explicit SeriesIndexer(bool commits_new = false) : m_commits_new(commits_new) {}
    explicit SeriesIndexer(Before before)
        : m_failed_since(std::move(before.failed_since)),
          m_previous_sha(std::move(before.previous_sha)),
          m_shipped_before(std::move(before.shipped)),
          m_sha_seen_before(std::move(before.sha_seen)) {}
    DeployIndexRow add(const DeployView& v);

  private:
    bool m_commits_new = false;
    std::unordered_set<std::string> m_shipped;
    std::unordered_map<std::string, std::size_t> m_last_of_sha;  // -> index in m_succeeded_at
    std::vector<Timestamp> m_succeeded_at;                       // every succeeded deploy
    std::vector<Timestamp> m_failed_since;  // failed deploys since the last succeeded one
    std::optional<std::string> m_previous_sha;
    std::function<bool(const std::string&)> m_shipped_before;
    std::function<bool(const std::string&)> m_sha_seen_before;
};

std::uint64_t time_bits(Timestamp t);
Timestamp time_from_bits(std::uint64_t bits);

// A deploy's place in its series: time bits then seq, both big-endian, so
// byte order is deploy order (deployed_at, seq). 16 bytes; "" is before all.
std::string position(Timestamp t, std::uint64_t seq);

// Keys of the index tables (prefix = deploy_prefix(deployment, environment)).
std::string index_time_key(std::string_view prefix, Timestamp t, std::uint64_t seq);
std::string index_sha_key(std::string_view prefix, std::string_view sha, Timestamp t,
                          std::uint64_t seq);
std::string index_blame_key(std::string_view prefix, const IncidentView& incident);
std::string encode_index_row(const DeployIndexRow& row);
std::string encode_blamed_incident(const IncidentView& incident);

// The tr_deploy_time rows of a series at or after `from` (a position; "" for
// all), oldest first.
Result<std::vector<DeployIndexRow>> rows_from(lmdb::txn& txn, const Tables& tables,
                                              std::string_view prefix, std::string_view from);

// What a derivation starting at `from` needs of the rows before it: the last
// succeeded deploy, the failed ones after it, and the last succeeded sha.
// Cost: the rows walked back to those.
struct RowsBefore {
    std::optional<DeployIndexRow> last_succeeded;
    std::vector<Timestamp> failed_since;  // oldest first
    std::optional<std::string> previous_sha;
};
Result<RowsBefore> rows_before(lmdb::txn& txn, const Tables& tables, std::string_view prefix,
                               std::string_view from);

// The deployed_at of the series' first succeeded deploy before position
// `before`, if any (usually its first row).
Result<std::optional<Timestamp>> first_succeeded_row(lmdb::txn& txn, const Tables& tables,
                                                     std::string_view prefix,
                                                     std::string_view before);

// The position of the last succeeded deploy of `sha` before `before`, if any
// (tr_deploy_shas: one seek).
Result<std::optional<std::string>> last_position_of_sha(lmdb::txn& txn, const Tables& tables,
                                                        std::string_view prefix,
                                                        std::string_view sha,
                                                        std::string_view before);

// Appends rows without diffing (bench/gen_store: a fresh store, in order).
Status put_index_row(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                     std::string_view environment, const DeployIndexRow& row);
Status put_blamed_incident(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                           std::string_view environment, const IncidentView& incident);

// The inputs compute_dora needs for one deployment+environment and a window
// [since, until), read through the indexes: the window's deploys (commits
// reduced to those they ship first), the deploys before the window that the
// definitions refer to (failed deploys restored in the window, rollback
// targets, the previous succeeded sha; their commits and incidents cleared),
// oldest first; and the incidents blamed on the series restored in the window.
struct WindowInputs {
    std::vector<DeployView> deploys;
    std::vector<IncidentView> incidents;
};
Result<WindowInputs> window_inputs(lmdb::txn& txn, const Tables& tables,
                                   std::string_view deployment, std::string_view environment,
                                   Timestamp since, Timestamp until);

// What one tr_deploy_time row says for the figures. scan_window_rows reuses
// one value for every row (the vectors keep their capacity).
struct RowFigures {
    Timestamp deployed_at{};
    DeployStatus status = DeployStatus::succeeded;
    Failure failure = Failure::none;
    std::vector<std::int64_t> lead_seconds;
    std::vector<std::int64_t> restore_seconds;
    RowExtras extras;
};

// Calls `each` for every tr_deploy_time row of deployment+environment in
// [since, until), oldest first, without allocating per row.
Status scan_window_rows(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                        std::string_view environment, Timestamp since, Timestamp until,
                        const std::function<void(const RowFigures&)>& each);

// Sorted seconds, either a day row's fixed-width bytes or a sorted vector.
struct SortedSeconds {
    const unsigned char* bytes = nullptr;  // little-endian, `width` bytes each
    const std::int64_t* native = nullptr;  // used instead when set
    std::size_t count = 0;
    unsigned width = 8;
    std::int64_t at(std::size_t i) const;
};

// One tr_deploy_days row; the arrays point into the transaction's pages.
// Every figure but `changes` and `failed_changes` is over the day's
// succeeded deploys.
struct DayFigures {
    Timestamp day{};  // 00:00 UTC
    std::uint64_t succeeded = 0;
    std::uint64_t changes = 0;  // succeeded and failed deploys
    std::uint64_t failed_changes = 0;
    std::uint64_t rework = 0;
    std::uint64_t direct_commits = 0;
    std::uint64_t pull_requests = 0;
    std::uint64_t batch_sizes[4] = {0, 0, 0, 0};  // deploys per batch_size_bucket
    SortedSeconds lead;
    SortedSeconds restore;
    SortedSeconds batch_commits;  // one per succeeded deploy
    SortedSeconds coding;         // the pull requests whose coding time is known
    SortedSeconds pickup;         // pickup, review, deploy: one per pull request
    SortedSeconds review;
    SortedSeconds deploy;
};

// A tr_deploy_days value into `out` (all but `day`; the arrays point into
// `value`); false when it is malformed. Every count is checked against the
// value's size before use.
bool decode_day_row(std::string_view value, DayFigures& out);

// 0-3: S (<= 5 commits), M (<= 20), L (<= 100), XL.
int batch_size_bucket(std::int64_t commits);

Timestamp utc_day_start(Timestamp t);

// Rewrites the day rows of deployment+environment from the UTC day of
// position `from` ("" for all) out of its tr_deploy_time rows.
Status rebuild_days(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                    std::string_view environment, std::string_view from);

// Calls `each` for every day row of deployment+environment with a day start
// in [first_day, end_day), oldest first.
Status scan_days(lmdb::txn& txn, const Tables& tables, std::string_view deployment,
                 std::string_view environment, Timestamp first_day, Timestamp end_day,
                 const std::function<void(const DayFigures&)>& each);

// The k-th smallest value (1-based; k <= the total count) of the union of
// `arrays`: O(arrays x log(count) x log(value range)), no copy.
std::int64_t kth_smallest(const std::vector<SortedSeconds>& arrays, std::uint64_t k);

// The incidents blamed on deployment+environment restored in [since, until).
Result<std::vector<IncidentView>> restored_incidents(lmdb::txn& txn, const Tables& tables,
                                                     std::string_view deployment,
                                                     std::string_view environment, Timestamp since,
                                                     Timestamp until);

// Up to `limit` (0 = all) tr_deploy_time rows of deployment+environment,
// newest first.
Result<std::vector<DeployIndexRow>> newest_rows(lmdb::txn& txn, const Tables& tables,
                                                std::string_view deployment,
                                                std::string_view environment, std::size_t limit);

// The distinct (deployment, environment) pairs that have deploys, found by
// skipping from one prefix to the next (cost: one seek per pair).
Result<std::vector<std::pair<std::string, std::string>>> indexed_series(lmdb::txn& txn,
                                                                        const Tables& tables);

}  // namespace shiplog::tracking::detail
