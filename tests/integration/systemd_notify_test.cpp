// `shiplog serve` under a fake service manager: the test binds the
// NOTIFY_SOCKET datagram socket itself and checks the sd_notify protocol the
// unit (Type=notify, WatchdogSec=) relies on: READY, WATCHDOG, STATUS,
// RELOADING/READY around SIGHUP (good and broken config), STOPPING on SIGTERM.
#include <signal.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon_harness.hpp"
#include "notify_socket.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto k_watchdog_usec = "2000000";  // WatchdogSec=2s: pings every second
constexpr auto k_signal_timeout = 20s;       // generous for slow CI; waits end on arrival

const std::string k_billing_deployment =
    "[[deployment]]\nname = \"billing\"\nenvironment = \"production\"\nproject = \"Contoso\"\n"
    "repository = \"billing\"\nbranch = \"main\"\ntrigger = \"push\"\n";

std::string post_status(const DaemonHarness& daemon, const std::string& id,
                        const std::string& repository) {
    auto res = daemon.post_event(make_push_event(id, repository));
    if (!res) return "no response: " + httplib::to_string(res.error());
    return std::to_string(res->status) + " " + res->body;
}

class SystemdNotify : public ::testing::Test {
  protected:
    void SetUp() override {
        // The test process may itself run under a service manager; its
        // watchdog owner must not leak into the child (sd_watchdog_enabled
        // accepts a missing WATCHDOG_PID but rejects a foreign one).
        ::unsetenv("WATCHDOG_PID");
        m_socket = std::make_unique<NotifySocket>(m_socket_dir.path() / "notify.sock");
    }

    std::map<std::string, std::string> notify_env() const {
        return {{"NOTIFY_SOCKET", m_socket->path().string()}, {"WATCHDOG_USEC", k_watchdog_usec}};
    }

    TempDir m_socket_dir;
    std::unique_ptr<NotifySocket> m_socket;
};

TEST_F(SystemdNotify, ReadyWatchdogStatusAndStopping) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start(notify_env())) << daemon.serve().process().output();
    auto& socket = *m_socket;

    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();
    // The listener is bound before READY=1: a request right now is answered.
    auto health = daemon.client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);

    // WatchdogSec=2s: serve pings every second, so one arrives well inside
    // the interval after READY (a late one would get the unit killed).
    const auto ready_at = steady::now();
    ASSERT_TRUE(socket.wait_for("WATCHDOG=1", 2s)) << socket.transcript();
    EXPECT_LE(steady::now() - ready_at, 2s);
    // And it keeps pinging: two more within two intervals.
    ASSERT_TRUE(socket.wait_for("WATCHDOG=1", 2s)) << socket.transcript();
    ASSERT_TRUE(socket.wait_for("WATCHDOG=1", 2s)) << socket.transcript();

    auto status = socket.wait_for("STATUS=", 2s);
    ASSERT_TRUE(status) << socket.transcript();
    EXPECT_NE(status->find("events stored"), std::string::npos) << *status;

    daemon.serve().process().send_signal(SIGTERM);
    EXPECT_TRUE(socket.wait_for("STOPPING=1", k_signal_timeout)) << socket.transcript();
    EXPECT_EQ(daemon.serve().process().wait(), 0) << daemon.serve().process().output();
}

TEST_F(SystemdNotify, SighupReloadsBetweenReloadingAndReady) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start(notify_env())) << daemon.serve().process().output();
    auto& socket = *m_socket;
    auto& serve = daemon.serve().process();
    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();

    // "billing" is not configured yet: journaled, but nothing uses it.
    EXPECT_EQ(post_status(daemon, "billing-before", "billing"),
              R"(200 {"status":"ignored","reason":"no deployment tracks Contoso/billing:main"})");

    daemon.rewrite_config(k_billing_deployment);
    serve.send_signal(SIGHUP);
    auto reloading = socket.wait_for("RELOADING=1", k_signal_timeout);
    ASSERT_TRUE(reloading) << socket.transcript();
    // Type=notify-reload (systemd 253+) needs the timestamp with it.
    EXPECT_TRUE(NotifySocket::has_line(*reloading, "MONOTONIC_USEC=")) << *reloading;
    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();
    EXPECT_TRUE(serve.wait_for_output("config reloaded", 5s)) << serve.output();

    // READY=1 after RELOADING=1 means the new config is in force.
    EXPECT_EQ(post_status(daemon, "billing-after", "billing"), R"(200 {"status":"stored"})");
    EXPECT_EQ(post_status(daemon, "web-api-after", "web-api"), R"(200 {"status":"stored"})");

    // A broken file: still RELOADING=1 ... READY=1 (systemd would otherwise
    // sit in "reloading" until its timeout), the failure is logged, and the
    // previous config stays in force. The broken file also drops "billing",
    // so "billing" still being stored proves the old config is the one used.
    daemon.rewrite_config("bogus_key = true\n");  // lands in the web-api block: unknown key
    serve.send_signal(SIGHUP);
    ASSERT_TRUE(socket.wait_for("RELOADING=1", k_signal_timeout)) << socket.transcript();
    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();
    EXPECT_TRUE(serve.wait_for_output("reload failed", 5s)) << serve.output();
    EXPECT_NE(serve.output().find("bogus_key"), std::string::npos) << serve.output();
    EXPECT_EQ(post_status(daemon, "billing-kept", "billing"), R"(200 {"status":"stored"})");
    auto health = daemon.client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);

    serve.send_signal(SIGTERM);
    EXPECT_TRUE(socket.wait_for("STOPPING=1", k_signal_timeout)) << socket.transcript();
    EXPECT_EQ(serve.wait(), 0) << serve.output();
    EXPECT_EQ(daemon.journal_event_ids(),
              (std::vector<std::string>{"billing-before", "billing-after", "web-api-after",
                                        "billing-kept"}));
}

// Without WATCHDOG_USEC the daemon must not ping (systemd would log every
// ping as unexpected) but still says READY/STOPPING.
TEST_F(SystemdNotify, NoWatchdogPingsWithoutWatchdogUsec) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start({{"NOTIFY_SOCKET", m_socket->path().string()}}))
        << daemon.serve().process().output();
    auto& socket = *m_socket;
    ASSERT_TRUE(socket.wait_for("READY=1", k_signal_timeout)) << socket.transcript();
    daemon.serve().process().send_signal(SIGTERM);
    ASSERT_TRUE(socket.wait_for("STOPPING=1", k_signal_timeout)) << socket.transcript();
    EXPECT_EQ(daemon.serve().process().wait(), 0);
    EXPECT_EQ(socket.transcript().find("WATCHDOG=1"), std::string::npos) << socket.transcript();
}

}  // namespace
}  // namespace shiplog::testing
