#pragma once
// Projector keeps tracking's derived tables in step with the journal. It is
// the JournalWriter's AppendObserver: for every new entry it takes the event
// the intake already parsed (or parses the raw bytes, as in reindex, with
// the handlers' parsers), records the facts it holds under
// their natural keys (so a fact delivered twice counts once), and then
// recomputes the derived state of every deployment+environment the fact can
// affect. Derived data is therefore a pure function of (journal, deployments
// config): arrival order does not matter.
//
// Recompute cost: a series is derived from the earliest deploy position the
// entry can affect (a new deploy: its own position; a build or artifact: the
// deploys waiting for it; a push: the deploys whose commit walk stopped at
// its sha), or from the start when that is unknown (work items, REST
// answers, a commit message made longer, a push that outranks an earlier
// one). An append at the end costs O(log n) LMDB reads plus its own commits
// and the project's incidents; a late event, the deploys after its position
// (recompute.cpp). reindex() defers recomputes to the end, so a replay costs
// one full derivation per deployment+environment, not one per event.
//
// Threading: on_append runs on the writer thread only (one at a time); the
// config callback is called from there.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "storage/journal_writer.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking {

namespace detail {
class SortedRows;
}

// Memory reindex gives the sha-keyed facts it queues before spilling sorted
// runs to temporary files (Projector::set_deferred, reindex).
inline constexpr std::size_t k_reindex_sort_run_bytes = std::size_t{64} << 20;

class Projector final : public storage::AppendObserver {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

    // Opens tracking's tables (creating them). `current_config` returns the
    // config in force; it is called once per entry.
    static Result<std::unique_ptr<Projector>> open(storage::Store& store,
                                                   ConfigSource current_config);
    ~Projector() override;

    // Records the entry's facts, recomputes what they affect and queues the
    // [[notify]] messages the entry causes (not in deferred mode). Entries that
    // concern nothing configured, or do not parse, change nothing and succeed
    // (they stay in the journal; a config change plus reindex picks them up).
    Status on_append(lmdb::txn& txn, const storage::JournalEntry& entry) override;

    const Tables& tables() const { return m_tables; }
    // Where on_append queues [[notify]] messages (the sender reads them).
    const storage::Outbox& outbox() const { return m_outbox; }

    // Deferred mode (reindex): on_append only records facts and remembers
    // which deployment+environments are dirty; the caller derives them
    // (take_dirty hands the set over and clears it). The sha-keyed facts
    // (tr_commits, tr_ref_links) are queued instead of inserted: the caller
    // writes them, sorted, with write_deferred_rows() once every entry is
    // replayed, and before deriving (the tables must be empty then).
    using Series = std::pair<std::string, std::string>;  // (deployment, environment)
    // `sort_run_bytes` bounds the queue's memory (beyond it, sorted runs go
    // to temporary files).
    void set_deferred(bool deferred, std::size_t sort_run_bytes = k_reindex_sort_run_bytes);
    std::set<Series> take_dirty() { return std::exchange(m_dirty, {}); }
    Status write_deferred_rows(storage::Store& store);

    // Recomputes one deployment+environment from the facts (config lookup by name).
    Status recompute(lmdb::txn& txn, const config::Config& config,
                     const config::DeploymentConfig& deployment);

  private:
    Projector(Tables tables, storage::Outbox outbox, ConfigSource current_config);

    Tables m_tables;
    storage::Outbox m_outbox;  // [[notify]] messages, queued with the fact (live ingestion only)
    ConfigSource m_current_config;
    bool m_deferred = false;
    std::set<Series> m_dirty;
    std::unique_ptr<detail::SortedRows> m_sorted;  // deferred mode's queued rows
};

// Drops every derived table and replays the whole journal through the same
// code, committing facts in chunks, then derives each series from scratch in
// chunks of `derive_chunk` deploys, a transaction each (memory and
// transaction size bounded whatever the length of the series). The result
// equals what live ingestion of the same journal produced. Refuses a
// read-only store. Not while a JournalWriter runs on `store`. `progress`, if
// set, is called with the entries replayed so far and the highest journal seq.
using ReindexProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;
// `sort_run_bytes`: memory for the sha-keyed facts queued while replaying
// (set_deferred).
inline constexpr std::size_t k_reindex_derive_chunk = 2000;
Status reindex(storage::Store& store, const config::Config& config,
               const ReindexProgress& progress = {},
               std::size_t derive_chunk = k_reindex_derive_chunk,
               std::size_t sort_run_bytes = k_reindex_sort_run_bytes);

}  // namespace shiplog::tracking
