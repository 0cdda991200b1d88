// The group-commit writer: outcomes, dedup within and across batches,
// batching under concurrency, observers in nested transactions, map full,
// and stopping.
#include "storage/journal_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/expect_ok.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::storage {
namespace {

using namespace std::chrono_literals;
using shiplog::testing::ManualClock;
using shiplog::testing::TempDir;

JournalEntry make_entry(std::string id, std::string type = "git.push", std::string raw = "{}") {
    JournalEntry entry;
    entry.event_id = std::move(id);
    entry.event_type = std::move(type);
    entry.raw = std::move(raw);
    return entry;
}

// Waits (bounded, so a bug fails the test instead of hanging it) for a result.
Result<AppendResult> wait(std::future<Result<AppendResult>>& future) {
    if (future.wait_for(60s) != std::future_status::ready)
        return fail(ErrorCode::unavailable, "test: the future did not resolve within 60 s");
    return future.get();
}

// An observer that writes derived data (entry seq -> event type) to its own
// table, and on request fails, throws, or holds the writer thread inside the
// batch transaction until released (to make the next submissions queue up
// into one batch).
class TestObserver final : public AppendObserver {
  public:
    explicit TestObserver(MDB_dbi table) : m_table(table) {}

    Status on_append(lmdb::txn& txn, const JournalEntry& entry) override {
        ++m_calls;
        {
            std::lock_guard lock(m_mutex);
            m_seen.push_back(entry.seq);
        }
        unsigned char key_bytes[8];
        for (int i = 0; i < 8; ++i)
            key_bytes[i] = static_cast<unsigned char>(entry.seq >> (56 - 8 * i));
        MDB_val key{8, key_bytes};
        MDB_val value{entry.event_type.size(), const_cast<char*>(entry.event_type.data())};
        if (::mdb_put(txn.handle(), m_table, &key, &value, 0) != MDB_SUCCESS)
            return fail(ErrorCode::store, "test observer: mdb_put failed");
        // The derived write is done; a failure now must roll it back.
        if (entry.event_type == "fail")
            return fail(ErrorCode::invalid_argument, "injected failure");
        if (entry.event_type == "throw") throw std::runtime_error("injected exception");
        if (entry.event_type == "full") return fail(ErrorCode::store_full, "injected store full");
        if (entry.event_type == "gate") {
            m_entered.set_value();
            m_release.get_future().wait();
        }
        return {};
    }

    void wait_until_gated() { m_entered.get_future().wait(); }
    void release() { m_release.set_value(); }
    int calls() const { return m_calls.load(); }
    std::vector<std::uint64_t> seen() {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }

  private:
    MDB_dbi m_table;
    std::atomic<int> m_calls{0};
    std::mutex m_mutex;
    std::vector<std::uint64_t> m_seen;
    std::promise<void> m_entered;
    std::promise<void> m_release;
};

class JournalWriterTest : public ::testing::Test {
  protected:
    void open_store(std::size_t map_size = std::size_t{64} << 20) {
        StoreOptions options;
        options.path = m_dir / "store";
        options.map_size_bytes = map_size;
        auto store = Store::open(options);
        ASSERT_OK(store);
        m_store = std::move(*store);
    }

    void SetUp() override { open_store(); }

    void TearDown() override {
        if (m_writer) m_writer->stop();
    }

    lmdb::txn read_txn() { return lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY); }

    std::uint64_t journal_count() {
        auto txn = read_txn();
        auto size = journal_size(txn, *m_store);
        EXPECT_TRUE(size.has_value());
        return size.value_or(0);
    }

    std::optional<std::string> derived(MDB_dbi table, std::uint64_t seq) {
        auto txn = read_txn();
        unsigned char key_bytes[8];
        for (int i = 0; i < 8; ++i) key_bytes[i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
        MDB_val key{8, key_bytes};
        MDB_val value{};
        if (::mdb_get(txn.handle(), table, &key, &value) != MDB_SUCCESS) return std::nullopt;
        return std::string(static_cast<const char*>(value.mv_data), value.mv_size);
    }

    TempDir m_dir;
    ManualClock m_clock;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<JournalWriter> m_writer;
};

TEST_F(JournalWriterTest, AppendsAndStampsReceivedAtFromTheClock) {
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);
    auto future = m_writer->submit(make_entry("a"));
    auto result = wait(future);
    ASSERT_OK(result);
    EXPECT_EQ(result->outcome, AppendOutcome::appended);
    EXPECT_EQ(result->seq, 1U);

    auto stamped = make_entry("b");
    stamped.received_at = Timestamp{5s};
    auto second_future = m_writer->submit(stamped);
    auto second = wait(second_future);
    ASSERT_OK(second);
    EXPECT_EQ(second->seq, 2U);

    // Acknowledged means committed: a fresh read transaction sees both.
    auto txn = read_txn();
    auto first = read_entry(txn, *m_store, 1);
    ASSERT_OK(first);
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ((*first)->event_id, "a");
    EXPECT_EQ((*first)->received_at, m_clock.now());
    auto kept = read_entry(txn, *m_store, 2);
    ASSERT_OK(kept);
    ASSERT_TRUE(kept->has_value());
    EXPECT_EQ((*kept)->received_at, Timestamp{5s});

    const auto stats = m_writer->stats();
    EXPECT_EQ(stats.events, 2U);
    EXPECT_EQ(stats.batches, 2U);
    EXPECT_EQ(stats.failed_batches, 0U);
}

TEST_F(JournalWriterTest, DuplicateAcrossBatchesAnswersTheFirstSeq) {
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);
    auto first_future = m_writer->submit(make_entry("x"));
    ASSERT_OK(wait(first_future));
    auto other_future = m_writer->submit(make_entry("y"));
    ASSERT_OK(wait(other_future));
    auto again_future = m_writer->submit(make_entry("x", "git.push", "a retry"));
    auto again = wait(again_future);
    ASSERT_OK(again);
    EXPECT_EQ(again->outcome, AppendOutcome::duplicate);
    EXPECT_EQ(again->seq, 1U);
    EXPECT_EQ(journal_count(), 2U);
    EXPECT_EQ(m_writer->stats().duplicates, 1U);
}

TEST_F(JournalWriterTest, DuplicateWithinOneBatchAndBadIdsDoNotFailTheBatch) {
    auto table = m_store->open_table("derived");
    ASSERT_OK(table);
    TestObserver observer(*table);
    m_writer = JournalWriter::start(*m_store, m_clock, &observer);

    // Hold the writer inside its first batch so the next five queue up.
    auto gate = m_writer->submit(make_entry("gate", "gate"));
    observer.wait_until_gated();
    std::vector<std::future<Result<AppendResult>>> futures;
    for (const char* id : {"x", "x", "", "y", "x"})
        futures.push_back(m_writer->submit(make_entry(id)));
    observer.release();
    ASSERT_OK(wait(gate));

    std::vector<Result<AppendResult>> results;
    for (auto& future : futures) results.push_back(wait(future));
    ASSERT_OK(results[0]);
    EXPECT_EQ(results[0]->outcome, AppendOutcome::appended);
    EXPECT_EQ(results[0]->seq, 2U);
    ASSERT_OK(results[1]);
    EXPECT_EQ(results[1]->outcome, AppendOutcome::duplicate);
    EXPECT_EQ(results[1]->seq, 2U);
    ASSERT_FALSE(results[2].has_value());
    EXPECT_EQ(results[2].error().code, ErrorCode::invalid_argument);
    ASSERT_OK(results[3]);
    EXPECT_EQ(results[3]->outcome, AppendOutcome::appended);
    EXPECT_EQ(results[3]->seq, 3U);
    ASSERT_OK(results[4]);
    EXPECT_EQ(results[4]->outcome, AppendOutcome::duplicate);
    EXPECT_EQ(results[4]->seq, 2U);

    const auto stats = m_writer->stats();
    EXPECT_EQ(stats.batches, 2U);
    EXPECT_EQ(stats.last_batch_size, 5U);
    EXPECT_EQ(stats.events, 3U);
    EXPECT_EQ(stats.duplicates, 2U);
    EXPECT_EQ(journal_count(), 3U);
    // The observer ran for the three appended entries only.
    EXPECT_EQ(observer.seen(), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(JournalWriterTest, ConcurrentSubmittersGetExactDenseResultsInFewerBatches) {
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);
    constexpr int k_threads = 8;
    constexpr int k_per_thread = 200;
    constexpr int k_shared = 10;  // every thread also submits these ids
    std::vector<std::vector<std::pair<std::string, Result<AppendResult>>>> results(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::pair<std::string, std::future<Result<AppendResult>>>> futures;
            for (int i = 0; i < k_per_thread; ++i) {
                std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
                futures.emplace_back(id, m_writer->submit(make_entry(id)));
                if (i == k_per_thread / 2) {
                    for (int s = 0; s < k_shared; ++s) {
                        std::string shared = "shared-" + std::to_string(s);
                        futures.emplace_back(shared, m_writer->submit(make_entry(shared)));
                    }
                }
            }
            for (auto& [id, future] : futures) results[t].emplace_back(id, wait(future));
        });
    }
    for (auto& thread : threads) thread.join();

    constexpr std::uint64_t k_distinct = k_threads * k_per_thread + k_shared;
    std::set<std::uint64_t> appended_seqs;
    std::map<std::string, std::uint64_t> seq_of;
    std::uint64_t duplicates = 0;
    std::vector<std::pair<std::string, std::uint64_t>> duplicate_answers;
    for (const auto& per_thread : results) {
        for (const auto& [id, result] : per_thread) {
            ASSERT_OK(result);
            if (result->outcome == AppendOutcome::appended) {
                EXPECT_TRUE(appended_seqs.insert(result->seq).second)
                    << "seq reused: " << result->seq;
                EXPECT_TRUE(seq_of.emplace(id, result->seq).second) << "appended twice: " << id;
            } else {
                ++duplicates;
                duplicate_answers.emplace_back(id, result->seq);
            }
        }
    }
    EXPECT_EQ(appended_seqs.size(), k_distinct);
    EXPECT_EQ(*appended_seqs.begin(), 1U);
    EXPECT_EQ(*appended_seqs.rbegin(), k_distinct);  // unique and within 1..n: dense
    EXPECT_EQ(duplicates, static_cast<std::uint64_t>((k_threads - 1) * k_shared));
    for (const auto& [id, seq] : duplicate_answers) EXPECT_EQ(seq, seq_of.at(id)) << id;

    const auto stats = m_writer->stats();
    EXPECT_EQ(stats.events, k_distinct);
    EXPECT_EQ(stats.duplicates, duplicates);
    EXPECT_EQ(stats.failed_batches, 0U);
    EXPECT_LT(stats.batches, k_distinct) << "no batching happened";
    EXPECT_EQ(journal_count(), k_distinct);

    // The index agrees with what the submitters were told.
    auto txn = read_txn();
    for (const auto& [id, seq] : seq_of) {
        auto found = find_event_id(txn, *m_store, id);
        ASSERT_OK(found);
        EXPECT_EQ(*found, std::optional<std::uint64_t>{seq}) << id;
    }
}

TEST_F(JournalWriterTest, ObserverWritesCommitWithTheEntryAndFailuresRollBackOnlyThem) {
    auto table = m_store->open_table("derived");
    ASSERT_OK(table);
    TestObserver observer(*table);
    m_writer = JournalWriter::start(*m_store, m_clock, &observer);

    std::vector<std::future<Result<AppendResult>>> futures;
    for (const char* type : {"git.push", "fail", "build.complete", "throw", "git.push"})
        futures.push_back(m_writer->submit(
            make_entry(std::string("id-") + type + std::to_string(futures.size()), type)));
    futures.push_back(
        m_writer->submit(make_entry("id-git.push0")));  // a duplicate: no observer call
    for (auto& future : futures) ASSERT_OK(wait(future));

    EXPECT_EQ(observer.calls(), 5);
    EXPECT_EQ(journal_count(), 5U);  // failed derived writes keep their journal entries
    EXPECT_EQ(derived(*table, 1), std::optional<std::string>("git.push"));
    EXPECT_EQ(derived(*table, 2), std::nullopt);  // "fail": rolled back
    EXPECT_EQ(derived(*table, 3), std::optional<std::string>("build.complete"));
    EXPECT_EQ(derived(*table, 4), std::nullopt);  // "throw": rolled back
    EXPECT_EQ(derived(*table, 5), std::optional<std::string>("git.push"));

    const auto stats = m_writer->stats();
    EXPECT_EQ(stats.observer_failures, 2U);
    EXPECT_EQ(stats.failed_batches, 0U);
    EXPECT_NE(stats.last_observer_error.find("injected"), std::string::npos)
        << stats.last_observer_error;
}

TEST_F(JournalWriterTest, ObserverStoreFullFailsTheWholeBatch) {
    auto table = m_store->open_table("derived");
    ASSERT_OK(table);
    TestObserver observer(*table);
    m_writer = JournalWriter::start(*m_store, m_clock, &observer);

    auto gate = m_writer->submit(make_entry("gate", "gate"));
    observer.wait_until_gated();
    auto innocent = m_writer->submit(make_entry("innocent"));
    auto full = m_writer->submit(make_entry("full", "full"));
    observer.release();
    ASSERT_OK(wait(gate));
    for (auto* future : {&innocent, &full}) {
        auto result = wait(*future);
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(result.error().code, ErrorCode::store_full);
    }
    EXPECT_EQ(journal_count(), 1U);  // only "gate": nothing of the failed batch is on disk
    EXPECT_EQ(m_writer->stats().failed_batches, 1U);
    auto retry = m_writer->submit(make_entry("innocent"));
    auto retried = wait(retry);
    ASSERT_OK(retried);
    EXPECT_EQ(retried->outcome, AppendOutcome::appended);
}

TEST_F(JournalWriterTest, MapFullFailsBatchesWithoutLosingOrInventingEntries) {
    m_store.reset();
    StoreOptions small;
    small.path = m_dir / "small-store";
    small.map_size_bytes = std::size_t{1} << 20;  // 256 pages of 4 KiB
    auto store = Store::open(small);
    ASSERT_OK(store);
    m_store = std::move(*store);
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);

    std::set<std::string> acknowledged;
    std::set<std::string> refused;
    std::optional<Error> full_error;
    const std::string raw(40 * 1024, 'r');
    for (int round = 0; round < 100 && !full_error; ++round) {
        std::vector<std::pair<std::string, std::future<Result<AppendResult>>>> futures;
        for (int i = 0; i < 3; ++i) {
            std::string id = "big-" + std::to_string(round) + "-" + std::to_string(i);
            futures.emplace_back(id, m_writer->submit(make_entry(id, "git.push", raw)));
        }
        for (auto& [id, future] : futures) {
            auto result = wait(future);
            if (result) {
                EXPECT_EQ(result->outcome, AppendOutcome::appended);
                acknowledged.insert(id);
            } else {
                EXPECT_EQ(result.error().code, ErrorCode::store_full) << result.error().message;
                refused.insert(id);
                full_error = result.error();
            }
        }
    }
    ASSERT_TRUE(full_error.has_value()) << "the 1 MiB map never filled";
    EXPECT_NE(full_error->message.find("storage.max_size_mb"), std::string::npos)
        << full_error->message;
    EXPECT_FALSE(acknowledged.empty());
    EXPECT_GE(m_writer->stats().failed_batches, 1U);

    // The writer keeps trying later batches (no dead writer, no busy loop).
    auto later = m_writer->submit(make_entry("later", "git.push", std::string(512 * 1024, 'l')));
    auto later_result = wait(later);
    ASSERT_FALSE(later_result.has_value());
    EXPECT_EQ(later_result.error().code, ErrorCode::store_full);
    refused.insert("later");

    m_writer->stop();
    m_writer.reset();
    m_store.reset();

    StoreOptions bigger = small;
    bigger.map_size_bytes = std::size_t{64} << 20;
    auto reopened = Store::open(bigger);
    ASSERT_OK(reopened);
    auto txn = lmdb::txn::begin((*reopened)->env().handle(), nullptr, MDB_RDONLY);
    std::multiset<std::string> journaled;
    ASSERT_OK(for_each_entry(txn, **reopened, 1, [&](const JournalEntry& entry) {
        journaled.insert(entry.event_id);
        return true;
    }));
    EXPECT_EQ(journaled, std::multiset<std::string>(acknowledged.begin(), acknowledged.end()));
    for (const auto& id : refused) {
        auto found = find_event_id(txn, **reopened, id);
        ASSERT_OK(found);
        EXPECT_FALSE(found->has_value()) << id << " was refused but is in the store";
    }
    txn.abort();

    // With room again, writing works.
    ManualClock clock;
    auto writer = JournalWriter::start(**reopened, clock, nullptr);
    auto after = writer->submit(make_entry("after-growth", "git.push", raw));
    auto after_result = wait(after);
    ASSERT_OK(after_result);
    EXPECT_EQ(after_result->seq, acknowledged.size() + 1);
    writer->stop();
}

TEST_F(JournalWriterTest, StopCommitsWhatIsQueuedThenRefuses) {
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);
    std::vector<std::future<Result<AppendResult>>> futures;
    for (int i = 0; i < 50; ++i)
        futures.push_back(m_writer->submit(make_entry("q" + std::to_string(i))));
    m_writer->stop();
    for (auto& future : futures) {
        ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
        ASSERT_OK(future.get());
    }
    EXPECT_EQ(journal_count(), 50U);

    auto refused = m_writer->submit(make_entry("too-late"));
    ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
    auto result = refused.get();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::unavailable);
    m_writer->stop();  // idempotent
    EXPECT_EQ(journal_count(), 50U);
}

TEST_F(JournalWriterTest, ExclusiveTaskRunsOnTheWriterWithItsOwnTransaction) {
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr);
    auto before = m_writer->submit(make_entry("before"));
    std::uint64_t seen_in_task = 0;
    auto task = m_writer->run_exclusive([&]() -> Status {
        // No batch transaction is open: a write transaction of our own works.
        auto txn = lmdb::txn::begin(m_store->env());
        auto n = journal_size(txn, *m_store);
        if (!n) return tl::unexpected(n.error());
        seen_in_task = *n;
        txn.commit();
        return {};
    });
    auto after = m_writer->submit(make_entry("after"));
    ASSERT_OK(before.get());
    ASSERT_OK(task.get());
    ASSERT_OK(after.get());
    EXPECT_GE(seen_in_task, 1U);  // the entry submitted before the task was committed first
    EXPECT_EQ(journal_count(), 2U);

    auto failing =
        m_writer->run_exclusive([]() -> Status { return fail(ErrorCode::store, "boom"); });
    auto failed = failing.get();
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().message, "boom");

    m_writer->stop();
    auto refused = m_writer->run_exclusive([]() -> Status { return {}; });
    ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
    auto result = refused.get();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::unavailable);
}

// A sync the test holds (or fails) to see what is acknowledged when.
class HeldSync {
  public:
    WriterOptions options() {
        WriterOptions o;
        o.sync = [this]() -> Status {
            std::unique_lock lock(m_mutex);
            ++m_entered;
            m_changed.notify_all();
            m_changed.wait(lock, [this] { return m_released > 0; });
            --m_released;
            if (m_fail_next) {
                m_fail_next = false;
                return fail(ErrorCode::io, "injected sync failure");
            }
            return {};
        };
        return o;
    }
    // Waits (bounded) until the syncer has entered `n` syncs in all.
    bool wait_entered(int n) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, 60s, [&] { return m_entered >= n; });
    }
    void release(bool fail_it = false) {
        std::lock_guard lock(m_mutex);
        m_fail_next = fail_it;
        ++m_released;
        m_changed.notify_all();
    }
    void release_all() {
        std::lock_guard lock(m_mutex);
        m_released = 1 << 20;
        m_changed.notify_all();
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_entered = 0;
    int m_released = 0;
    bool m_fail_next = false;
};

TEST_F(JournalWriterTest, AcknowledgesOnlyAfterTheSyncAndDefersMetaSyncMeanwhile) {
    HeldSync sync;
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr, sync.options());
    unsigned int flags = 0;
    ::mdb_env_get_flags(m_store->env().handle(), &flags);
    EXPECT_NE(flags & MDB_NOMETASYNC, 0U);

    auto future = m_writer->submit(make_entry("held"));
    ASSERT_TRUE(sync.wait_entered(1));
    // Committed (a reader sees it) but not yet synced: not acknowledged.
    EXPECT_EQ(journal_count(), 1U);
    EXPECT_EQ(future.wait_for(0s), std::future_status::timeout);
    EXPECT_EQ(m_writer->stats().batches, 0U);

    // The writer is not held by the syncer: the next batch commits meanwhile.
    auto second = m_writer->submit(make_entry("meanwhile"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (journal_count() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    EXPECT_EQ(journal_count(), 2U);
    EXPECT_EQ(second.wait_for(0s), std::future_status::timeout);

    sync.release();
    auto first = wait(future);
    ASSERT_OK(first);
    EXPECT_EQ(first->seq, 1U);
    sync.release_all();
    ASSERT_OK(wait(second));
    m_writer->stop();
    ::mdb_env_get_flags(m_store->env().handle(), &flags);
    EXPECT_EQ(flags & MDB_NOMETASYNC, 0U) << "stop() gives the env back with LMDB's default";
    EXPECT_EQ(m_writer->stats().events, 2U);
    EXPECT_TRUE(m_writer->stats().sync_failure.empty());
}

// Under load the syncer does not pay a second fdatasync for a batch when the
// writer is already committing the next one: that commit's data sync also
// writes out the earlier meta pages, so it acknowledges the batch.
TEST_F(JournalWriterTest, UnderLoadTheNextCommitAcknowledgesTheBatchBeforeIt) {
    auto table = m_store->open_table("derived");
    ASSERT_OK(table);
    TestObserver observer(*table);
    HeldSync sync;
    auto options = sync.options();
    options.next_commit_wait = std::chrono::minutes(1);  // the gate decides, not the bound
    m_writer = JournalWriter::start(*m_store, m_clock, &observer, options);

    auto first = m_writer->submit(make_entry("a"));
    ASSERT_TRUE(sync.wait_entered(1));  // the syncer is held in the sync for "a"
    auto second = m_writer->submit(make_entry("b"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (journal_count() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    ASSERT_EQ(journal_count(), 2U);  // "b" committed while the syncer is held
    auto third = m_writer->submit(make_entry("gate", "gate"));
    observer.wait_until_gated();  // the writer is inside the next batch

    sync.release();  // exactly one sync: the one for "a"
    ASSERT_OK(wait(first));
    // "b" needs no sync of its own: the gated batch's commit makes it durable.
    // Had the syncer synced for it, it would be held there and "b" never answered.
    observer.release();
    ASSERT_OK(wait(second));
    EXPECT_EQ(m_writer->stats().acknowledged_by_next_commit, 1U);
    EXPECT_EQ(m_writer->stats().syncs, 1U);

    // The writer is idle after "gate": its acknowledgement needs the syncer.
    ASSERT_TRUE(sync.wait_entered(2));
    EXPECT_EQ(third.wait_for(0s), std::future_status::timeout);
    sync.release_all();
    ASSERT_OK(wait(third));
    EXPECT_EQ(m_writer->stats().syncs, 2U);
    EXPECT_EQ(m_writer->stats().events, 3U);
}

// One slow batch (a huge body, a long projection) must not hold the answers
// of the batch before it: past next_commit_wait the syncer syncs itself.
TEST_F(JournalWriterTest, ASlowNextBatchDoesNotHoldTheBatchBeforeIt) {
    auto table = m_store->open_table("derived");
    ASSERT_OK(table);
    TestObserver observer(*table);
    HeldSync sync;
    auto options = sync.options();
    options.next_commit_wait = std::chrono::milliseconds(1);
    m_writer = JournalWriter::start(*m_store, m_clock, &observer, options);

    auto held = m_writer->submit(make_entry("a0"));
    ASSERT_TRUE(sync.wait_entered(1));
    auto before = m_writer->submit(make_entry("a"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (journal_count() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    ASSERT_EQ(journal_count(), 2U);
    auto gate = m_writer->submit(make_entry("gate", "gate"));
    observer.wait_until_gated();  // the next batch is stuck inside the writer

    sync.release_all();
    ASSERT_OK(wait(held));
    ASSERT_OK(wait(before));  // answered while the gated batch is still open
    EXPECT_EQ(gate.wait_for(0s), std::future_status::timeout);
    EXPECT_EQ(m_writer->stats().syncs, 2U);
    EXPECT_EQ(m_writer->stats().acknowledged_by_next_commit, 0U);
    observer.release();
    ASSERT_OK(wait(gate));
}

TEST_F(JournalWriterTest, AFailedSyncFailsWhatItCoveredAndEveryWriteAfterIt) {
    HeldSync sync;
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr, sync.options());
    auto future = m_writer->submit(make_entry("unsynced"));
    ASSERT_TRUE(sync.wait_entered(1));
    sync.release(/*fail_it=*/true);
    auto failed = wait(future);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::io);
    EXPECT_NE(failed.error().message.find("injected sync failure"), std::string::npos);
    EXPECT_EQ(m_writer->stats().failed_batches, 1U);
    EXPECT_NE(m_writer->stats().sync_failure.find("injected sync failure"), std::string::npos);

    // The commit is visible but not known to be on disk: a retried delivery
    // must not be answered `duplicate`, so the writer fails closed.
    sync.release_all();
    auto retry_future = m_writer->submit(make_entry("unsynced"));
    auto retry = wait(retry_future);
    ASSERT_FALSE(retry.has_value());
    EXPECT_NE(retry.error().message.find("restarted"), std::string::npos) << retry.error().message;
    bool task_ran = false;
    auto task = m_writer->run_exclusive([&]() -> Status {
        task_ran = true;
        return {};
    });
    ASSERT_EQ(task.wait_for(60s), std::future_status::ready);
    EXPECT_FALSE(task.get().has_value());
    EXPECT_FALSE(task_ran);
    EXPECT_EQ(m_writer->stats().batches, 0U);
    EXPECT_EQ(journal_count(), 1U);
}

TEST_F(JournalWriterTest, ExclusiveTaskIsAcknowledgedAfterTheSync) {
    HeldSync sync;
    m_writer = JournalWriter::start(*m_store, m_clock, nullptr, sync.options());
    auto task = m_writer->run_exclusive([&]() -> Status {
        auto txn = lmdb::txn::begin(m_store->env());
        txn.commit();
        return {};
    });
    ASSERT_TRUE(sync.wait_entered(1));
    EXPECT_EQ(task.wait_for(0s), std::future_status::timeout);
    sync.release_all();
    ASSERT_EQ(task.wait_for(60s), std::future_status::ready);
    ASSERT_OK(task.get());
}

TEST_F(JournalWriterTest, DestructorStopsAndCommits) {
    auto writer = JournalWriter::start(*m_store, m_clock, nullptr);
    auto future = writer->submit(make_entry("last"));
    writer.reset();
    ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
    ASSERT_OK(future.get());
    EXPECT_EQ(journal_count(), 1U);
}

}  // namespace
}  // namespace shiplog::storage
