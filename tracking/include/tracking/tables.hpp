#pragma once
// The LMDB tables tracking owns. Everything in them is derived from the
// journal (plus the configured deployments) and can be dropped and rebuilt
// by reindex(); docs/architecture.md describes the layout. Keys are built
// from '\0'-separated parts and big-endian integers so that LMDB's byte
// order groups and sorts them usefully.
//
//   tr_repos       repo key (lower "project/repo")            -> names and ids
//   tr_pushes      repo key \0 pushId(u64 BE)                 -> push fact (first delivery wins)
//   tr_ref_links   repo key \0 ref \0 new sha \0 pushId(u64)  -> old sha (ref-update chain)
//   tr_commits     repo key \0 sha                            -> author, time, summary, #refs
//   tr_builds      buildId(u64 BE)                            -> build fact
//   tr_stages      runId(u64 BE) \0 stage name                -> the latest attempt's completion
//   tr_releases    releaseId \0 environmentId \0 attempt      -> deployment-completed fact
//   tr_release_shas releaseId(u64 BE)                         -> primary artifact sha (REST result)
//   tr_work_items  id(u64 BE) rev(u64 BE) change(u8)          -> one revision
//   tr_wi_links    sha \0 workItemId(u64 BE)                  -> newest added / removed rev
//   tr_wi_index    lower project \0 lower type \0 id(u64 BE)   -> "" (incident candidates)
//   tr_wi_created  lower project \0 created(u64 BE) id(u64 BE) -> "" (work items by creation
//                  time: a derivation reads only the incidents created since the deploy
//                  before its start, not every incident the project ever had)
//   tr_sources     deployment \0 environment \0 time seq      -> deploy candidate (raw facts),
//                  in deploy order (time: deployed_at as in tr_deploy_time)
//   tr_deploys     deployment \0 environment \0 seq(u64 BE)   -> deploy with derived fields
//   tr_queue       item key                                   -> work-queue item
//   tr_commit_ranges repo key \0 from sha \0 to sha           -> commit set (REST answer)
//   tr_deploy_time, tr_deploy_shas, tr_incident_blame, tr_deploy_days: query indexes kept
//                  with tr_deploys (src/index/deploy_index.hpp has their layout)
//   tr_shipped     deployment \0 environment \0 commit order   -> time seq of the first
//                  succeeded deploy that shipped it (first-shipped flags of later deploys);
//                  commit order = the commit fact's first_seq, first_index (u64 BE each),
//                  so a deploy's rows follow those of earlier deploys instead of
//                  scattering by sha
//   tr_gaps        deployment \0 environment \0 time seq      -> sha where the deploy's
//                  commit walk stopped (a push that links that sha re-derives from there)
//   tr_pull_requests repo key \0 prId(u64 BE)                -> pull request fact, every
//                  delivery and REST answer folded in (order-independent: min/max/union)
//   tr_pr_merges   repo key \0 merge sha \0 prId(u64 BE)     -> "" (completed pull requests
//                  by the commit their completion put on the target branch)
//   tr_impacts     incident id \0 time(u64 BE) type(u8)          -> seq, source, title, url
//                  (register_impact calls and Azure Monitor alerts, per incident)
//
// k_layout_version names this layout. It is part of the projection
// fingerprint (daemon/workers/projection_sync.cpp), so a store whose derived
// tables were written by a build with another layout is rebuilt from the
// journal when `serve` starts; bump it with every change to a tr_ table's
// keys or records.
//
// Threading: a Tables value is immutable after open() and may be shared.

#include <lmdb++.h>

#include "common/error.hpp"
#include "storage/store.hpp"

namespace shiplog::tracking {

// 2: query indexes (tr_deploy_time, tr_deploy_shas, tr_incident_blame).
// 3: tr_deploy_time rows carry failure, lead and restore seconds (metrics
//    read only index rows).
// 4: tr_releases records carry the delivery's artifact; stage deliveries'
//    repositories.self and release artifacts are facts; unknown commits are
//    no longer listed on deploys.
// 5: tr_sources in deploy order, tr_shipped and tr_gaps (derivation starts
//    at the position an event affects instead of the start of the series).
// 6: tr_deploy_days (per series and UTC day: counts and sorted lead and
//    restore seconds; long metrics windows read one row per day).
// 7: work-item revisions carry System.Title; build sources carry the build id.
// 8: incident ids are strings ("boards:7", "api:<source>:<id>"); tr_impacts.
// 9: pull requests (tr_pull_requests, tr_pr_merges); deploys carry their
//    pull requests, batch size and rework; index rows the breakdown, rework,
//    batch and direct commits.
// 10: records in common/bytes.hpp's codec (varint lengths and counts instead
//    of fixed 8-byte ones).
// 11: tr_shipped keyed by commit order (tr_commits records carry first_seq
//    and first_index) instead of sha; tr_repos rewritten only on change.
// 12: tr_deploy_days rows carry the breakdown, rework and batch figures
//    (long metrics windows no longer read every deploy row); tr_wi_created
//    (work items by creation time: a derivation reads only the incidents
//    created since the deploy before its start).
inline constexpr int k_layout_version = 12;

struct Tables {
    MDB_dbi repos = 0;
    MDB_dbi pushes = 0;
    MDB_dbi ref_links = 0;
    MDB_dbi commits = 0;
    MDB_dbi builds = 0;
    MDB_dbi stages = 0;
    MDB_dbi releases = 0;
    MDB_dbi release_shas = 0;
    MDB_dbi work_items = 0;
    MDB_dbi wi_links = 0;
    MDB_dbi wi_index = 0;
    MDB_dbi wi_created = 0;
    MDB_dbi sources = 0;
    MDB_dbi deploys = 0;
    MDB_dbi queue = 0;
    MDB_dbi commit_ranges = 0;
    MDB_dbi deploy_time = 0;
    MDB_dbi deploy_shas = 0;
    MDB_dbi incident_blame = 0;
    MDB_dbi shipped = 0;
    MDB_dbi gaps = 0;
    MDB_dbi deploy_days = 0;
    MDB_dbi pull_requests = 0;
    MDB_dbi pr_merges = 0;
    MDB_dbi impacts = 0;
    // False on a read-only store where tracking never ran: every query then
    // answers "nothing" instead of failing.
    bool present = true;

    // Opens (creating on a writable store) every table. Call at start-up,
    // before concurrent use (Store::open_table's rule).
    static Result<Tables> open(storage::Store& store);
};

}  // namespace shiplog::tracking
