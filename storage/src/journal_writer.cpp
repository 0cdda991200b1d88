#include "storage/journal_writer.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace shiplog::storage {

namespace {

struct Pending {
    JournalEntry entry;
    std::promise<Result<AppendResult>> promise;
    Result<AppendResult> result{};  // this entry's outcome if the batch commits
};

// What one batch did, applied to the stats under the lock in one go.
struct BatchTally {
    std::uint64_t appended = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t observer_failures = 0;
    std::string last_observer_error;
};

class GroupCommitWriter final : public JournalWriter {
  public:
    GroupCommitWriter(Store& store, Clock& clock, AppendObserver* observer)
        : m_store(store), m_clock(clock), m_observer(observer) {
        m_thread = std::thread([this] { run(); });
    }

    ~GroupCommitWriter() override { stop(); }

    GroupCommitWriter(const GroupCommitWriter&) = delete;
    GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

    std::future<Result<AppendResult>> submit(JournalEntry entry) override {
        std::promise<Result<AppendResult>> promise;
        auto future = promise.get_future();
        if (entry.received_at == Timestamp{}) entry.received_at = m_clock.now();
        bool was_empty = false;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                promise.set_value(fail(ErrorCode::unavailable, "the journal writer is stopped"));
                return future;
            }
            was_empty = m_queue.empty();
            m_queue.push_back(Pending{std::move(entry), std::move(promise), {}});
        }
        // The writer only sleeps on an empty queue, so only the push that
        // made the queue non-empty needs to wake it.
        if (was_empty) m_wake.notify_one();
        return future;
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
                try {
                    promise.set_value(task());
                } catch (const std::exception& e) {
                    promise.set_value(
                        fail(ErrorCode::store, std::string("exclusive task: ") + e.what()));
                }
            }
            m_running_tasks.clear();
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
            nested.commit();
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

    void process_batch() {
        BatchTally tally;
        std::optional<Error> batch_error;
        try {
            auto txn = lmdb::txn::begin(m_store.env().handle());
            for (auto& item : m_batch) {
                if (auto processed = process_item(txn, item, tally); !processed) {
                    batch_error = std::move(processed.error());
                    break;
                }
            }
            // On error the transaction is aborted as `txn` goes out of scope.
            if (!batch_error) txn.commit();
        } catch (const lmdb::error& e) {
            batch_error = store_error(e, "commit a batch of journal entries");
        } catch (const std::exception& e) {
            batch_error = Error{ErrorCode::store,
                                std::string("commit a batch of journal entries: ") + e.what()};
        } catch (...) {
            batch_error =
                Error{ErrorCode::store, "commit a batch of journal entries: unknown error"};
        }

        {
            std::lock_guard lock(m_mutex);
            if (batch_error) {
                ++m_stats.failed_batches;
            } else {
                ++m_stats.batches;
                m_stats.events += tally.appended;
                m_stats.duplicates += tally.duplicates;
                m_stats.last_batch_size = m_batch.size();
                m_stats.observer_failures += tally.observer_failures;
                if (!tally.last_observer_error.empty())
                    m_stats.last_observer_error = std::move(tally.last_observer_error);
            }
        }

        // Only now, after the commit returned (fsync done) or the
        // transaction was aborted, does anyone learn the outcome.
        for (auto& item : m_batch) {
            if (batch_error && item.result)
                item.promise.set_value(tl::unexpected(*batch_error));
            else
                item.promise.set_value(std::move(item.result));
        }
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
        m_running_tasks;      // writer thread only
    bool m_stopping = false;  // guarded by m_mutex
    WriterStats m_stats;      // guarded by m_mutex

    std::vector<Pending> m_batch;  // writer thread only

    std::mutex m_join_mutex;  // serialises concurrent stop() calls around join()
    std::thread m_thread;     // last: started after every other member exists
};

}  // namespace

std::unique_ptr<JournalWriter> JournalWriter::start(Store& store, Clock& clock,
                                                    AppendObserver* observer) {
    return std::make_unique<GroupCommitWriter>(store, clock, observer);
}

}  // namespace shiplog::storage
