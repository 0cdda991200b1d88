#pragma once
// Group commit. One writer thread owns every LMDB write transaction: callers
// on any thread submit() an entry and wait on the returned future; the writer
// takes everything queued, appends it in ONE transaction (dedup by event id
// inside it), runs the AppendObserver (projections) for each new entry in a
// nested transaction and commits it (data pages fdatasync'd, the meta page
// written without waiting). A second thread, the syncer, then makes
// everything committed so far durable with one fdatasync and only then
// resolves the futures, while the writer already builds the next batch.
// A failed batch (map full, I/O error) resolves every future in it with the
// error; nothing is acknowledged that is not on disk.
//
// A failed batch does not stop the writer: the next submission starts a new
// batch (so once the operator frees space, writes succeed again). A failed
// sync does: its commits are visible but maybe not on disk, so every later
// write fails until a restart (see GroupCommitWriter::acknowledge). Failed
// entries are not retried; their submitters got the error and decide.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "storage/journal.hpp"
#include "storage/store.hpp"

namespace shiplog::storage {

// Derived-data hook, called on the writer thread inside the batch transaction
// right after an entry is appended (never for duplicates). A failure rolls
// back only this entry's derived changes (nested transaction); the journal
// entry itself stays, and WriterStats::observer_failures counts it. The one
// exception is ErrorCode::store_full (or an lmdb::map_full_error thrown): the
// whole batch then fails with store_full, because silently missing derived
// data would only be found by a reindex. on_append must not call submit()
// and wait, nor stop().
class AppendObserver {
  public:
    virtual ~AppendObserver() = default;
    virtual Status on_append(lmdb::txn& txn, const JournalEntry& entry) = 0;
};

enum class AppendOutcome { appended, duplicate };

struct AppendResult {
    AppendOutcome outcome = AppendOutcome::appended;
    std::uint64_t seq = 0;  // the new entry's seq, or the earlier one's for a duplicate
};

struct WriterStats {
    std::uint64_t batches = 0;  // committed transactions
    std::uint64_t events = 0;   // entries appended (not duplicates)
    std::uint64_t duplicates = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t last_batch_size = 0;    // submissions in the last committed batch
    std::uint64_t observer_failures = 0;  // entries whose derived changes were rolled back
    std::string last_observer_error;      // message of the latest observer failure, for logs
    // The syncer's own fdatasyncs, and the acknowledgements that needed none
    // because the writer's next commit (whose data sync also writes out the
    // earlier meta pages) landed first: under load most batches are the latter.
    std::uint64_t syncs = 0;
    std::uint64_t acknowledged_by_next_commit = 0;
    // Set when a sync failed: the writer then refuses every write until a
    // restart (see the header comment). Empty while healthy.
    std::string sync_failure;
};

struct WriterOptions {
    // Makes every commit so far durable; tests replace it to hold or fail the
    // sync. Default: mdb_env_sync(env, 1).
    std::function<Status()> sync;
    // How long the syncer waits for the writer's next commit to make a
    // batch durable before syncing itself: long enough for a typical batch
    // under load, short enough that one slow batch (a huge body) does not
    // hold the answers of the batch before it.
    std::chrono::microseconds next_commit_wait{2000};
};

class JournalWriter {
  public:
    // Starts the writer and syncer threads. `store`, `clock` and `observer` (may be null)
    // must outlive the writer. `store` must be writable (on a read-only store
    // every batch fails with ErrorCode::store).
    static std::unique_ptr<JournalWriter> start(Store& store, Clock& clock,
                                                AppendObserver* observer,
                                                WriterOptions options = {});

    // Calls stop().
    virtual ~JournalWriter() = default;

    // Thread-safe. `entry.received_at` is set from the clock if zero. The
    // future resolves after the batch holding the entry committed (or failed).
    // An entry that cannot be journaled (empty or over-long event id) resolves
    // with ErrorCode::invalid_argument without failing its batch. After
    // stop(), resolves at once with ErrorCode::unavailable.
    virtual std::future<Result<AppendResult>> submit(JournalEntry entry) = 0;

    // The same without a future, for callers that must not wait (the HTTP
    // edge): `done` runs exactly once with what the future would hold, on
    // the syncer thread after the sync (on the writer thread for a failed
    // batch; on the calling thread after stop()). It must be quick and must
    // not call back into the writer and wait.
    using Done = std::function<void(Result<AppendResult>)>;
    virtual void submit_async(JournalEntry entry, Done done) = 0;

    // Runs `task` on the writer thread between batches, when no write
    // transaction is open, so it may open its own (e.g. a reindex after the
    // deployments changed). Entries submitted meanwhile wait for it. After
    // stop(), resolves at once with ErrorCode::unavailable.
    virtual std::future<Status> run_exclusive(std::function<Status()> task) = 0;

    // Commits what is queued, then stops the thread. Idempotent, thread-safe;
    // not from the writer thread (an observer).
    virtual void stop() = 0;

    // Thread-safe.
    virtual WriterStats stats() const = 0;
};

}  // namespace shiplog::storage
