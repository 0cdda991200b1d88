// The access log is written from spdlog's async logger thread
// (daemon/runtime/logging.cpp). These check that queueing loses nothing:
// every request's line is out by the time SIGTERM's shutdown finished, and
// warnings are written while the daemon runs.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

TEST(AccessLog, EveryRequestLineIsWrittenByTheTimeSigtermShutdownEnds) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();

    constexpr int k_threads = 4;
    constexpr int k_per_thread = 50;
    std::atomic<int> stored{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < k_threads; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < k_per_thread; ++i) {
                auto res = daemon.post_event(
                    make_push_event("access-log-" + std::to_string(t) + "-" + std::to_string(i)));
                if (res && res->status == 200) ++stored;
            }
        });
    }
    for (auto& c : clients) c.join();
    ASSERT_EQ(stored.load(), k_threads * k_per_thread);

    ASSERT_EQ(daemon.stop(), 0);
    const std::string out = daemon.serve().process().output();
    std::set<std::string> logged;
    std::size_t pos = 0;
    const std::string prefix = "POST /hooks/azure-devops 200 ";
    while ((pos = out.find(prefix, pos)) != std::string::npos) {
        auto eol = out.find('\n', pos);
        ASSERT_NE(eol, std::string::npos) << "a torn access log line: " << out.substr(pos);
        std::string line = out.substr(pos, eol - pos);
        auto id = line.find(" event=");
        ASSERT_NE(id, std::string::npos) << line;
        auto end = line.find(' ', id + 7);
        logged.insert(
            line.substr(id + 7, end == std::string::npos ? std::string::npos : end - id - 7));
        EXPECT_NE(line.find(" outcome=stored"), std::string::npos) << line;
        pos = eol;
    }
    EXPECT_EQ(logged.size(), static_cast<std::size_t>(k_threads * k_per_thread));
    for (int t = 0; t < k_threads; ++t)
        for (int i = 0; i < k_per_thread; ++i)
            EXPECT_TRUE(logged.count("access-log-" + std::to_string(t) + "-" + std::to_string(i)))
                << "no access log line for access-log-" << t << "-" << i;
    // The last line of the shutdown comes after every access log line.
    auto stopped = out.find("shiplog stopped");
    ASSERT_NE(stopped, std::string::npos) << out;
    EXPECT_GT(stopped, out.rfind(prefix));
    // Credentials never reach the log, batched or not.
    EXPECT_EQ(out.find(k_webhook_password), std::string::npos);
}

TEST(AccessLog, WarningsAreWrittenWhileTheDaemonRuns) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto c = daemon.client();
    c.set_basic_auth(k_webhook_user, "wrong-password-for-the-log-test");
    auto res = c.Post("/hooks/azure-devops", make_push_event("access-log-unauthorized"),
                      "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    // Written (flushed) while the daemon still runs, not only at exit.
    EXPECT_TRUE(daemon.serve().process().wait_for_output("refused unauthenticated request"))
        << daemon.serve().process().output();
    EXPECT_TRUE(daemon.serve().process().wait_for_output("POST /hooks/azure-devops 401"))
        << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.serve().process().output().find("wrong-password-for-the-log-test"),
              std::string::npos);
}

}  // namespace
}  // namespace shiplog::testing
