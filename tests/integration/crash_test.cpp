// Crash consistency (issue 8): `shiplog serve` is SIGKILLed at random moments
// while several keep-alive clients post distinct events, then restarted. After
// every round:
//  - the store opens cleanly (read with the storage library; serve restarts);
//  - every acknowledged event (200) is in the journal exactly once, and no
//    event appears twice or was never sent;
//  - the projections the daemon wrote live equal a `shiplog reindex` from the
//    journal (`deploys --json` and `metrics --json` on a copy of the store,
//    before and after reindex);
//  - deliveries whose outcome the client never learned are retried in the
//    next round, as Azure DevOps does, and answered "duplicate" exactly when
//    the killed daemon had committed them.
//
// Rounds and time budget are bounded for CI; raise them for a long manual run:
//   SHIPLOG_CRASH_ROUNDS (default 20)    rounds to run
//   SHIPLOG_CRASH_SECONDS (default 90)   stop starting new rounds after this
//   SHIPLOG_CRASH_SEED                   reproduce a run (the seed is printed)
//   SHIPLOG_CRASH_THREADS (default 4)    concurrent clients
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    return std::strtoull(v, nullptr, 10);
}

// 2026-11-20T00:00:00Z plus n minutes: distinct, ordered, inside the metrics window below.
std::string event_time(int n) {
    int minutes = n;
    char buf[32];
    std::snprintf(buf, sizeof buf, "2026-11-%02dT%02d:%02d:00Z", 20 + minutes / 1440,
                  (minutes / 60) % 24, minutes % 60);
    return buf;
}

// A second deployment fed by builds, so both push- and build-triggered
// projections are exercised.
const char* k_build_deployment =
    "[[deployment]]\nname = \"web-api\"\nenvironment = \"staging\"\nproject = \"Contoso\"\n"
    "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"build\"\npipeline = \"web-api-ci\"\n";

struct Delivery {
    std::string id;
    std::string body;
    std::string expect;  // "" for a first delivery; "stored"/"duplicate" for a retry
};

// Shared between the client threads and the round driver.
class Ledger {
  public:
    // Next delivery: retries first, then a fresh event (pushes and builds, sha chains per thread).
    Delivery next(int thread, int& last_sha) {
        std::lock_guard lock(m_mutex);
        if (!m_retries.empty()) {
            auto d = std::move(m_retries.back());
            m_retries.pop_back();
            return d;
        }
        int n = m_next++;
        std::string id = "ev-crash-" + std::to_string(n);
        m_sent.insert(id);
        if (n % 3 == 2 && last_sha > 0)
            return {id,
                    build_event(id, 10000 + n, n % 5 == 0 ? "failed" : "succeeded", last_sha,
                                event_time(n)),
                    ""};
        int new_sha = 100000 + n;
        auto body = push_event(id, 10000 + n, last_sha > 0 ? last_sha : 16 + thread, new_sha,
                               {new_sha}, event_time(n));
        last_sha = new_sha;
        return {id, body, ""};
    }

    void acknowledged(const Delivery& d, const std::string& response) {
        std::lock_guard lock(m_mutex);
        m_acked.insert(d.id);
        m_unknown.erase(d.id);
        ++m_round_acks;
        if (!d.expect.empty() && response.find("\"" + d.expect + "\"") == std::string::npos)
            m_errors.push_back("retry of " + d.id + " expected " + d.expect + ", got " + response);
        m_cv.notify_all();
    }
    // No answer (killed mid-request, refused, 503): Azure DevOps would retry it.
    void unknown(const Delivery& d) {
        std::lock_guard lock(m_mutex);
        if (!m_acked.contains(d.id)) m_unknown.insert(d.id);
        m_bodies[d.id] = d.body;
    }
    void unexpected(const std::string& what) {
        std::lock_guard lock(m_mutex);
        m_errors.push_back(what);
    }

    bool wait_for_round_acks(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, timeout, [&] { return m_round_acks >= n; });
    }
    void start_round() {
        std::lock_guard lock(m_mutex);
        m_round_acks = 0;
    }
    // Queues every unknown delivery for the next round, expecting "duplicate"
    // when the journal already holds it and "stored" when it does not.
    void schedule_retries(const std::map<std::string, int>& journal) {
        std::lock_guard lock(m_mutex);
        for (const auto& id : m_unknown)
            m_retries.push_back({id, m_bodies[id], journal.contains(id) ? "duplicate" : "stored"});
        m_unknown.clear();
    }

    std::set<std::string> acked() const {
        std::lock_guard lock(m_mutex);
        return m_acked;
    }
    std::set<std::string> sent() const {
        std::lock_guard lock(m_mutex);
        return m_sent;
    }
    std::vector<std::string> take_errors() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_errors, {});
    }
    std::size_t round_acks() const {
        std::lock_guard lock(m_mutex);
        return m_round_acks;
    }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_next = 0;
    std::size_t m_round_acks = 0;
    std::set<std::string> m_sent, m_acked, m_unknown;
    std::map<std::string, std::string> m_bodies;
    std::vector<Delivery> m_retries;
    std::vector<std::string> m_errors;
};

void client_loop(const DaemonHarness& daemon, Ledger& ledger, int thread, int& last_sha,
                 const std::atomic<bool>& stop) {
    auto c = daemon.client();
    c.set_keep_alive(true);
    c.set_basic_auth(k_webhook_user, k_webhook_password);
    while (!stop) {
        auto d = ledger.next(thread, last_sha);
        auto res = c.Post("/hooks/azure-devops", d.body, "application/json");
        if (res && res->status == 200) {
            ledger.acknowledged(d, res->body);
        } else {
            ledger.unknown(d);
            if (res && res->status != 503)
                ledger.unexpected(d.id + ": HTTP " + std::to_string(res->status) + " " + res->body);
        }
    }
}

// `shiplog <args> --config <config>`; stdout, with a failure recorded when it exits non-zero.
std::string cli(const std::filesystem::path& config, std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(config.string());
    auto r = run_command(SHIPLOG_BINARY, args);
    EXPECT_EQ(r.exit_code, 0) << args.front() << ": " << r.err;
    return r.out;
}

struct Projections {
    std::string deploys, metrics;
};

Projections read_projections(const std::filesystem::path& config) {
    return {cli(config, {"deploys", "--json", "--limit", "1000000"}),
            cli(config, {"metrics", "--json", "--since", "2026-11-01", "--until", "2026-12-01"})};
}

TEST(Crash, SigkillUnderLoadLosesNothingAcknowledgedAndProjectionsMatchReindex) {
    const auto rounds = env_number("SHIPLOG_CRASH_ROUNDS", 20);
    const auto budget = std::chrono::seconds{env_number("SHIPLOG_CRASH_SECONDS", 90)};
    const auto threads =
        static_cast<int>(std::max<std::uint64_t>(1, env_number("SHIPLOG_CRASH_THREADS", 4)));
    const auto seed = env_number("SHIPLOG_CRASH_SEED", std::random_device{}());
    std::printf(
        "[ crash    ] seed %llu (SHIPLOG_CRASH_SEED=%llu reproduces the kill points), %llu rounds, "
        "%d "
        "threads, %lld s budget\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(rounds), threads, static_cast<long long>(budget.count()));
    std::mt19937_64 rng(seed);

    DaemonOptions options;
    options.extra_toml = k_build_deployment;
    DaemonHarness daemon(options);
    // The same config pointing at a copy of the store, for reindex.
    auto config_text = read_file(daemon.config_path());
    auto at = config_text.find("path = \"store\"");
    ASSERT_NE(at, std::string::npos) << config_text;
    auto copy_config = daemon.dir().write(
        "copy.toml",
        config_text.replace(at, std::string("path = \"store\"").size(), "path = \"store-copy\""));
    const auto copy_store = daemon.dir() / "store-copy";

    Ledger ledger;
    std::vector<int> last_sha(static_cast<std::size_t>(threads), 0);
    std::size_t checks = 0, round = 0, deploys_seen = 0;
    const auto started = std::chrono::steady_clock::now();
    for (; round < rounds && (round < 3 || std::chrono::steady_clock::now() - started < budget);
         ++round) {
        SCOPED_TRACE("round " + std::to_string(round) + " seed " + std::to_string(seed));
        ASSERT_TRUE(daemon.start()) << "serve did not come back after a SIGKILL:\n"
                                    << daemon.serve().process().output();
        // Kill after a random number of acknowledgements (0: while the first
        // requests are in flight), with the other clients mid-request.
        const auto kill_after = std::uniform_int_distribution<std::size_t>(0, 80)(rng);
        ledger.start_round();
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (int t = 0; t < threads; ++t)
            clients.emplace_back(client_loop, std::cref(daemon), std::ref(ledger), t,
                                 std::ref(last_sha[static_cast<std::size_t>(t)]), std::cref(stop));
        bool reached = ledger.wait_for_round_acks(kill_after, 30s);
        daemon.serve().process().send_signal(SIGKILL);
        int status = daemon.serve().process().wait();
        stop = true;
        for (auto& c : clients) c.join();
        ASSERT_TRUE(reached) << "only " << ledger.round_acks() << " of " << kill_after
                             << " acks in 30 s";
        EXPECT_EQ(status, 128 + SIGKILL);
        for (const auto& e : ledger.take_errors()) ADD_FAILURE() << e;

        // The store as the kill left it: opens, holds every acknowledged event once.
        std::map<std::string, int> journal;
        for (const auto& id : daemon.journal_event_ids()) ++journal[id];
        auto sent = ledger.sent();
        for (const auto& [id, n] : journal) {
            EXPECT_EQ(n, 1) << id << " journaled " << n << " times";
            EXPECT_TRUE(sent.contains(id)) << id << " in the journal but never sent";
        }
        for (const auto& id : ledger.acked()) {
            EXPECT_EQ(journal.count(id), 1u)
                << "acknowledged " << id << " is missing after SIGKILL";
            ++checks;
        }
        ledger.schedule_retries(journal);

        // Live projections == reindex from the journal, on a copy (the original store keeps serving
        // next round).
        std::filesystem::remove_all(copy_store);
        std::filesystem::copy(daemon.store_path(), copy_store,
                              std::filesystem::copy_options::recursive);
        auto live = read_projections(copy_config);
        auto reindexed = cli(copy_config, {"reindex"});
        auto rebuilt = read_projections(copy_config);
        EXPECT_EQ(live.deploys, rebuilt.deploys) << "deploys differ from reindex";
        EXPECT_EQ(live.metrics, rebuilt.metrics) << "metrics differ from reindex";
        deploys_seen = count_occurrences(live.deploys, "\"deployed_at\"");
        if (::testing::Test::HasFailure()) break;
    }

    // A clean start and stop at the end: the store opens and the journal is still complete.
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
    std::map<std::string, int> journal;
    for (const auto& id : daemon.journal_event_ids()) ++journal[id];
    auto acked = ledger.acked();
    for (const auto& id : acked) EXPECT_EQ(journal[id], 1) << id;
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);
    EXPECT_GT(acked.size(), 0u);
    std::printf(
        "[ measured ] crash: %zu SIGKILL rounds survived in %lld s, %zu events acknowledged (%zu "
        "journaled), %zu acknowledged-event checks, %zu deploys compared with reindex, seed %llu\n",
        round, static_cast<long long>(elapsed.count()), acked.size(), journal.size(), checks,
        deploys_seen, static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace shiplog::testing
