// A failed SIGHUP reload is visible to systemd: `systemctl reload` itself
// succeeds (the old config stays in force, SPEC §8), so STATUS= - what
// `systemctl status` shows - says the reload failed and why, in one line,
// until a later reload succeeds.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "notify_socket.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto k_signal_timeout = 20s;  // generous for slow CI; waits end on arrival
constexpr auto k_failed_marker = "RELOAD FAILED";

// The value of the STATUS= line in `message`, if it has one.
std::optional<std::string> status_of(const std::string& message) {
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        if (message.compare(start, 7, "STATUS=") == 0)
            return message.substr(start + 7, end - start - 7);
        start = end + 1;
    }
    return std::nullopt;
}

// The STATUS= values sent after RELOADING=1 up to and including the message
// with READY=1 (what systemd knows when the reload job ends); nullopt if the
// reload did not complete in time.
std::optional<std::vector<std::string>> statuses_of_one_reload(NotifySocket& socket) {
    if (!socket.wait_for("RELOADING=1", k_signal_timeout)) return std::nullopt;
    std::vector<std::string> statuses;
    const auto deadline = steady::now() + k_signal_timeout;
    while (auto message = socket.next(deadline)) {
        if (auto status = status_of(*message)) statuses.push_back(*status);
        if (NotifySocket::has_line(*message, "READY=1")) return statuses;
    }
    return std::nullopt;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
    for (const auto& line : lines)
        if (line.find(needle) != std::string::npos) return true;
    return false;
}

// The next `count` periodic STATUS= refreshes (the watchdog loop's, every
// second with WatchdogSec=2s).
std::vector<std::string> next_statuses(NotifySocket& socket, int count) {
    std::vector<std::string> statuses;
    const auto deadline = steady::now() + k_signal_timeout;
    while (static_cast<int>(statuses.size()) < count) {
        auto message = socket.next(deadline);
        if (!message) break;
        if (auto status = status_of(*message)) statuses.push_back(*status);
    }
    return statuses;
}

class ReloadStatus : public ::testing::Test {
  protected:
    void SetUp() override {
        ::unsetenv("WATCHDOG_PID");  // see systemd_notify_test.cpp
        m_socket = std::make_unique<NotifySocket>(m_socket_dir.path() / "notify.sock");
    }
    std::map<std::string, std::string> notify_env() const {
        return {{"NOTIFY_SOCKET", m_socket->path().string()}, {"WATCHDOG_USEC", "2000000"}};
    }

    TempDir m_socket_dir;
    std::unique_ptr<NotifySocket> m_socket;
};

TEST_F(ReloadStatus, FailedReloadShowsInStatusUntilAReloadSucceeds) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start(notify_env())) << daemon.serve().process().output();
    auto& socket = *m_socket;
    auto& serve = daemon.serve().process();
    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();

    // Broken config: an unknown key in the [[deployment]] block.
    daemon.rewrite_config("bogus_key = true\n");
    serve.send_signal(SIGHUP);
    auto failed = statuses_of_one_reload(socket);
    ASSERT_TRUE(failed) << socket.transcript();
    ASSERT_TRUE(any_contains(*failed, k_failed_marker)) << socket.transcript();
    for (const auto& status : *failed) {
        if (status.find(k_failed_marker) == std::string::npos) continue;
        EXPECT_NE(status.find("bogus_key"), std::string::npos) << status;  // says why
        EXPECT_NE(status.find("events stored"), std::string::npos) << status;
        EXPECT_EQ(status.find(k_webhook_password), std::string::npos) << status;
        EXPECT_LE(status.size(), 500u) << status;
    }
    // The periodic refresh keeps saying so (it does not overwrite it).
    auto later = next_statuses(socket, 2);
    ASSERT_EQ(later.size(), 2u) << socket.transcript();
    for (const auto& status : later) EXPECT_NE(status.find(k_failed_marker), std::string::npos);

    // A good config again: the next reload clears it.
    daemon.rewrite_config("");
    serve.send_signal(SIGHUP);
    auto fixed = statuses_of_one_reload(socket);
    ASSERT_TRUE(fixed) << socket.transcript();
    ASSERT_FALSE(fixed->empty()) << socket.transcript();
    EXPECT_EQ(fixed->back().find(k_failed_marker), std::string::npos) << fixed->back();
    auto after = next_statuses(socket, 2);
    ASSERT_EQ(after.size(), 2u) << socket.transcript();
    for (const auto& status : after) EXPECT_EQ(status.find(k_failed_marker), std::string::npos);

    serve.send_signal(SIGTERM);
    EXPECT_TRUE(socket.wait_for("STOPPING=1", k_signal_timeout)) << socket.transcript();
    EXPECT_EQ(serve.wait(), 0) << serve.output();
}

}  // namespace
}  // namespace shiplog::testing
