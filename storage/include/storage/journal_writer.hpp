#pragma once
// Group commit. One writer thread owns every LMDB write transaction: callers
// on any thread submit() an entry and wait on the returned future; the writer
// takes everything queued, appends it in ONE transaction (dedup by event id
// inside it), runs the AppendObserver (projections) for each new entry in a
// nested transaction, commits durably (one fsync for the whole batch), and
// only then resolves the futures. A failed batch (map full, I/O error)
// resolves every future in it with the error; nothing is acknowledged that is
// not on disk.

#include <cstdint>
#include <future>
#include <memory>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "storage/journal.hpp"
#include "storage/store.hpp"

namespace shiplog::storage {

// Derived-data hook, called on the writer thread inside the batch transaction
// right after an entry is appended. A failure rolls back only this entry's
// derived changes (nested transaction); the journal entry itself stays.
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
    std::uint64_t batches = 0;          // committed transactions
    std::uint64_t events = 0;           // entries appended (not duplicates)
    std::uint64_t duplicates = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t last_batch_size = 0;  // submissions in the last committed batch
};

class JournalWriter {
public:
    // Starts the writer thread. `store`, `clock` and `observer` (may be null)
    // must outlive the writer.
    static std::unique_ptr<JournalWriter> start(Store& store, Clock& clock, AppendObserver* observer);

    virtual ~JournalWriter() = default;

    // Thread-safe. `entry.received_at` is set by the writer if zero. The future
    // resolves after the batch holding the entry committed (or failed). After
    // stop(), resolves at once with ErrorCode::unavailable.
    virtual std::future<Result<AppendResult>> submit(JournalEntry entry) = 0;

    // Commits what is queued, then stops the thread. Idempotent.
    virtual void stop() = 0;

    virtual WriterStats stats() const = 0;
};

}  // namespace shiplog::storage
