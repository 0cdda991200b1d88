#include "storage/journal_writer.hpp"

#include <malloc.h>
#include <pthread.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace shiplog::storage {

namespace {

// Batches carrying more raw bytes than this hand their freed memory back to
// the system (malloc_trim walks every arena: too slow for every batch).
constexpr std::size_t k_trim_after_bytes = std::size_t{8} << 20;

struct Pending {
    JournalEntry entry;
    JournalWriter::Done done;       // called once, by the syncer (or writer, for a failed batch)
    Result<AppendResult> result{};  // this entry's outcome if the batch commits
};

// What one batch did, applied to the stats under the lock in one go.
struct BatchTally {
    std::uint64_t batches = 0;  // committed transactions this tally covers
    std::uint64_t last_batch_size = 0;
    std::uint64_t appended = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t observer_failures = 0;
    std::string last_observer_error;
};

class GroupCommitWriter final : public JournalWriter {
  public:
    GroupCommitWriter(Store& store, Clock& clock, AppendObserver* observer, WriterOptions options)
        : m_store(store), m_clock(clock), m_observer(observer), m_sync(std::move(options.sync)) {
        // Commits write the data pages and fdatasync them, then write the meta
        // page WITHOUT syncing it (MDB_NOMETASYNC): the transaction is atomic
        // and consistent but may be undone by a power cut until the syncer's
        // fdatasync (or the next commit's) lands. Nothing is acknowledged
        // before that, so durability of acknowledged events is unchanged; the
        // writer just does not wait for the meta write before starting the
        // next batch. LMDB keeps integrity under NOMETASYNC: pages freed by
        // transaction N are reused only from N+2 on, after N+1's data sync
        // made N's meta page durable. Only the writer thread commits while it
        // runs (Store's contract), so the env-wide flag affects no one else.
        if (!m_store.read_only()) {
            ::mdb_env_set_flags(m_store.env().handle(), MDB_NOMETASYNC, 1);
            m_meta_sync_deferred = true;
        }
        if (!m_sync) {
            m_sync = [this]() -> Status {
                const int rc = ::mdb_env_sync(m_store.env().handle(), 1);
                if (rc != MDB_SUCCESS)
                    return fail(ErrorCode::io,
                                std::string("sync the store to disk: ") + ::mdb_strerror(rc));
                return {};
            };
        }
        // Named so `top -H`, perf and gdb tell the two apart from the workers.
        m_sync_thread = std::thread([this] {
            ::pthread_setname_np(::pthread_self(), "shiplog-sync");
            run_syncer();
        });
        m_thread = std::thread([this] {
            ::pthread_setname_np(::pthread_self(), "shiplog-writer");
            run();
        });
    }

    ~GroupCommitWriter() override { stop(); }

    GroupCommitWriter(const GroupCommitWriter&) = delete;
    GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

    std::future<Result<AppendResult>> submit(JournalEntry entry) override {
        auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
        auto future = promise->get_future();
        submit_async(std::move(entry),
                     [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); });
        return future;
    }

    void submit_async(JournalEntry entry, Done done) override {
        if (entry.received_at == Timestamp{}) entry.received_at = m_clock.now();
        bool was_empty = false;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                done(fail(ErrorCode::unavailable, "the journal writer is stopped"));
                return;
            }
            was_empty = m_queue.empty();
            m_queue.push_back(Pending{std::move(entry), std::move(done), {}});
        }
        // The writer only sleeps on an empty queue, so only the push that
        // made the queue non-empty needs to wake it.
        if (was_empty) m_wake.notify_one();
    }

    std::future<Status> run_exclusive(std::function<Status()> task) override {
        std::promise<Status> promise;
        auto future = promise.get_future();
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                promise.set_value(fail(ErrorCode::unavailable, "the journal writer is stopped"));
                return future;
            }
            m_tasks.emplace_back(std::move(task), std::move(promise));
        }
        m_wake.notify_one();
        return future;
    }

    void stop() override {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        std::lock_guard join_lock(m_join_mutex);
        if (m_thread.joinable()) m_thread.join();
        // The writer has handed over its last batch; now the syncer drains.
        {
            std::lock_guard lock(m_ack_mutex);
            m_writer_done = true;
        }
        m_ack_wake.notify_one();
        if (m_sync_thread.joinable()) m_sync_thread.join();
        if (m_meta_sync_deferred) {
            // Every commit was followed by a sync above; later writers of this
            // env (a CLI command after the writer) get LMDB's default again.
            ::mdb_env_set_flags(m_store.env().handle(), MDB_NOMETASYNC, 0);
            m_meta_sync_deferred = false;
        }
    }

    WriterStats stats() const override {
        std::lock_guard lock(m_mutex);
        return m_stats;
    }

  private:
    void run() {
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock,
                            [this] { return !m_queue.empty() || !m_tasks.empty() || m_stopping; });
                if (m_queue.empty() && m_tasks.empty())
                    return;  // stopping, everything queued is done
                // Take everything at once; both vectors keep their capacity
                // across batches, so steady state allocates no vector storage.
                std::swap(m_queue, m_batch);
                std::swap(m_tasks, m_running_tasks);
            }
            if (!m_batch.empty()) process_batch();
            m_batch.clear();
            for (auto& [task, promise] : m_running_tasks) {
                Status status;
                std::optional<Error> sync_failure;
                {
                    std::lock_guard lock(m_mutex);
                    sync_failure = m_sync_failure;
                }
                if (sync_failure) {
                    promise.set_value(tl::unexpected(*sync_failure));
                    continue;
                }
                try {
                    status = task();
                } catch (const std::exception& e) {
                    status = fail(ErrorCode::store, std::string("exclusive task: ") + e.what());
                }
                // A task's own commit is durable only after the next sync too.
                {
                    std::lock_guard lock(m_ack_mutex);
                    m_tasks_to_ack.emplace_back(std::move(promise), std::move(status));
                }
                m_ack_wake.notify_one();
            }
            m_running_tasks.clear();
        }
    }

    // The syncer: makes everything the writer committed durable with one
    // fdatasync, then resolves the futures (in the order the writer committed
    // them). While it syncs and wakes submitters, the writer is already
    // building the next transaction.
    void run_syncer() {
        for (;;) {
            BatchTally tally;
            {
                std::unique_lock lock(m_ack_mutex);
                m_ack_wake.wait(lock, [this] {
                    return !m_to_ack.empty() || !m_tasks_to_ack.empty() || m_writer_done;
                });
                if (m_to_ack.empty() && m_tasks_to_ack.empty()) return;  // writer done, drained
                std::swap(m_to_ack, m_acking);
                std::swap(m_tasks_to_ack, m_acking_tasks);
                tally = std::exchange(m_ack_tally, BatchTally{});
            }
            std::size_t raw_bytes = 0;
            for (const auto& item : m_acking) raw_bytes += item.entry.raw.size();
            acknowledge(tally);
            m_acking.clear();
            m_acking_tasks.clear();
            // After large events (a 20 MiB push), the freed bodies and the
            // writer's per-commit temporaries sit as free chunks inside the
            // threads' malloc arenas, which glibc does not give back on its
            // own: memory per request must be returned, whatever its size.
            if (raw_bytes > k_trim_after_bytes) ::malloc_trim(0);
        }
    }

    void acknowledge(BatchTally& tally) {
        // Anything committed since the last sync? (Failed batches and tasks
        // that failed before committing need none, but a spare sync is cheap
        // next to guessing wrong.)
        std::optional<Error> sync_error;
        {
            std::lock_guard lock(m_mutex);
            sync_error = m_sync_failure;
        }
        if (!sync_error && (tally.batches > 0 || !m_acking_tasks.empty())) {
            if (auto synced = m_sync(); !synced) {
                // After a failed fdatasync the kernel may have dropped the
                // dirty pages and a second fsync can report success without
                // them ("fsyncgate"). The commits stay visible in LMDB, so a
                // retried delivery would be answered `duplicate` without being
                // on disk. Fail closed: refuse every write until a restart
                // reopens the store from what is really on disk.
                sync_error = Error{synced.error().code,
                                   synced.error().message +
                                       "; the store refuses writes until shiplog is restarted"};
                std::lock_guard lock(m_mutex);
                m_sync_failure = sync_error;
                m_stats.sync_failure = sync_error->message;
            }
        }
        {
            std::lock_guard lock(m_mutex);
            if (sync_error) {
                m_stats.failed_batches += tally.batches;
            } else {
                m_stats.batches += tally.batches;
                m_stats.events += tally.appended;
                m_stats.duplicates += tally.duplicates;
                if (tally.batches > 0) m_stats.last_batch_size = tally.last_batch_size;
                m_stats.observer_failures += tally.observer_failures;
                if (!tally.last_observer_error.empty())
                    m_stats.last_observer_error = std::move(tally.last_observer_error);
            }
        }
        for (auto& item : m_acking) {
            if (sync_error && item.result)
                item.done(tl::unexpected(*sync_error));
            else
                item.done(std::move(item.result));
        }
        for (auto& [promise, status] : m_acking_tasks) {
            if (sync_error && status)
                promise.set_value(tl::unexpected(*sync_error));
            else
                promise.set_value(std::move(status));
        }
    }

    // Runs the observer for `entry` in a transaction nested in `txn`.
    // true: derived changes kept; false: rolled back (counted in `tally`);
    // an error: the batch must fail.
    Result<bool> observe(lmdb::txn& txn, const JournalEntry& entry, BatchTally& tally) {
        auto nested = lmdb::txn::begin(m_store.env().handle(), txn.handle());
        Status status;
        try {
            status = m_observer->on_append(nested, entry);
        } catch (const lmdb::error& e) {
            status = tl::unexpected(store_error(e, "update derived data"));
        } catch (const std::exception& e) {
            status = fail(ErrorCode::store, std::string("update derived data: ") + e.what());
        }
        if (status) {
            commit(nested);
            return true;
        }
        nested.abort();
        if (status.error().code == ErrorCode::store_full) return tl::unexpected(status.error());
        ++tally.observer_failures;
        tally.last_observer_error = "seq " + std::to_string(entry.seq) + " (" + entry.event_type +
                                    "): " + status.error().message;
        return false;
    }

    // Appends (or deduplicates) one entry in `txn`. An error return means
    // the batch must fail; per-entry rejections land in item.result.
    Status process_item(lmdb::txn& txn, Pending& item, BatchTally& tally) {
        auto found = find_event_id(txn, m_store, item.entry.event_id);
        if (!found) {
            if (found.error().code != ErrorCode::invalid_argument)
                return tl::unexpected(found.error());
            item.result = tl::unexpected(found.error());
            return {};
        }
        // find_event_id sees this transaction's own writes, so an id that
        // appeared earlier in the same batch is a duplicate here too.
        if (*found) {
            item.result = AppendResult{AppendOutcome::duplicate, **found};
            ++tally.duplicates;
            return {};
        }
        if (auto appended = append_entry(txn, m_store, item.entry); !appended) {
            if (appended.error().code != ErrorCode::invalid_argument) return appended;
            item.result = tl::unexpected(appended.error());
            return {};
        }
        item.result = AppendResult{AppendOutcome::appended, item.entry.seq};
        ++tally.appended;
        if (m_observer != nullptr) {
            if (auto observed = observe(txn, item.entry, tally); !observed)
                return tl::unexpected(observed.error());
        }
        return {};
    }

    // Appends the batch in one transaction and commits it; the error that
    // failed it (and aborted the transaction), if any.
    std::optional<Error> commit_batch(BatchTally& tally) {
        try {
            auto txn = lmdb::txn::begin(m_store.env().handle());
            for (auto& item : m_batch) {
                if (auto processed = process_item(txn, item, tally); !processed)
                    return std::move(processed.error());  // `txn` aborts
            }
            commit(txn);
            return std::nullopt;
        } catch (const lmdb::error& e) {
            return m_store.commit_error(e.code(), "commit a batch of journal entries");
        } catch (const std::exception& e) {
            return Error{ErrorCode::store,
                         std::string("commit a batch of journal entries: ") + e.what()};
        } catch (...) {
            return Error{ErrorCode::store, "commit a batch of journal entries: unknown error"};
        }
    }

    void process_batch() {
        BatchTally tally;
        std::optional<Error> batch_error;
        {
            std::lock_guard lock(m_mutex);
            batch_error = m_sync_failure;
        }
        if (!batch_error) batch_error = commit_batch(tally);

        if (batch_error) {
            // Aborted: nothing to make durable, the outcome is known now.
            {
                std::lock_guard lock(m_mutex);
                ++m_stats.failed_batches;
            }
            for (auto& item : m_batch)
                item.done(item.result ? Result<AppendResult>(tl::unexpected(*batch_error))
                                      : std::move(item.result));
            return;
        }
        // Committed (data synced, meta page written): the syncer makes it
        // durable and only then tells the submitters.
        {
            std::lock_guard lock(m_ack_mutex);
            for (auto& item : m_batch) m_to_ack.push_back(std::move(item));
            m_ack_tally.batches += 1;
            m_ack_tally.last_batch_size = m_batch.size();
            m_ack_tally.appended += tally.appended;
            m_ack_tally.duplicates += tally.duplicates;
            m_ack_tally.observer_failures += tally.observer_failures;
            if (!tally.last_observer_error.empty())
                m_ack_tally.last_observer_error = std::move(tally.last_observer_error);
        }
        m_ack_wake.notify_one();
    }

    Store& m_store;
    Clock& m_clock;
    AppendObserver* const m_observer;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;  // queue became non-empty, or stopping
    std::vector<Pending> m_queue;    // guarded by m_mutex
    std::vector<std::pair<std::function<Status()>, std::promise<Status>>>
        m_tasks;  // guarded by m_mutex
    std::vector<std::pair<std::function<Status()>, std::promise<Status>>>
        m_running_tasks;                  // writer thread only
    bool m_stopping = false;              // guarded by m_mutex
    WriterStats m_stats;                  // guarded by m_mutex
    std::optional<Error> m_sync_failure;  // guarded by m_mutex; set once, never cleared

    std::vector<Pending> m_batch;  // writer thread only

    // Writer -> syncer hand-over of committed batches and finished tasks.
    using TaskAck = std::pair<std::promise<Status>, Status>;
    std::mutex m_ack_mutex;
    std::condition_variable m_ack_wake;
    std::vector<Pending> m_to_ack;        // guarded by m_ack_mutex
    std::vector<TaskAck> m_tasks_to_ack;  // guarded by m_ack_mutex
    BatchTally m_ack_tally;               // guarded by m_ack_mutex
    bool m_writer_done = false;           // guarded by m_ack_mutex
    std::vector<Pending> m_acking;        // syncer thread only
    std::vector<TaskAck> m_acking_tasks;  // syncer thread only
    std::function<Status()> m_sync;
    bool m_meta_sync_deferred = false;

    std::mutex m_join_mutex;    // serialises concurrent stop() calls around join()
    std::thread m_sync_thread;  // started after every other member exists
    std::thread m_thread;       // last: started after the syncer
};

}  // namespace

std::unique_ptr<JournalWriter> JournalWriter::start(Store& store, Clock& clock,
                                                    AppendObserver* observer,
                                                    WriterOptions options) {
    return std::make_unique<GroupCommitWriter>(store, clock, observer, std::move(options));
}

}  // namespace shiplog::storage
