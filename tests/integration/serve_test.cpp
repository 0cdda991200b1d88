// `shiplog serve` as a process: health endpoints, clean shutdown, CLI basics.
#include <signal.h>

#include <gtest/gtest.h>

#include <sstream>

#include "daemon_harness.hpp"
#include "support/process.hpp"

namespace shiplog::testing {
namespace {

TEST(Serve, HealthAndReadinessAnswer200) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto c = daemon.client();
    auto health = c.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->body, R"({"status":"ok"})");
    auto ready = c.Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Serve, SigtermStopsCleanlyAndStoreOpensWithMdbStat) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_NE(daemon.serve().process().output().find("shiplog stopped"), std::string::npos);
    auto stat = run_command("/usr/bin/mdb_stat", {"-e", daemon.store_path().string()});
    EXPECT_EQ(stat.exit_code, 0) << stat.err;
    EXPECT_NE(stat.out.find("Environment Info"), std::string::npos) << stat.out;
}

// Regression: a SIGTERM that arrived before the accept loop was running used
// to be lost (httplib's stop() is a no-op then) and the daemon never exited.
TEST(Serve, SigtermRightAfterStartStillStops) {
    for (int round = 0; round < 5; ++round) {
        DaemonHarness daemon;
        ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
        EXPECT_EQ(daemon.stop(), 0) << "round " << round;
    }
}

TEST(Serve, SigintAlsoStopsWithExitZero) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    daemon.serve().process().send_signal(SIGINT);
    EXPECT_EQ(daemon.serve().process().wait(), 0);
}

TEST(Serve, UnknownPathIs404WithJsonBody) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto res = daemon.client().Get("/../../etc/passwd");
    ASSERT_TRUE(res);
    EXPECT_GE(res->status, 400);
    EXPECT_LT(res->status, 500);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Serve, BrokenConfigExitsOneWithOneLineError) {
    TempDir dir;
    auto config = dir.write(
        "shiplog.toml", "[server]\nlisten = \"127.0.0.1:0\"\nbogus = 1\n[storage]\npath = \"s\"\n");
    auto result = run_command(SHIPLOG_BINARY, {"serve", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("shiplog.toml:3"), std::string::npos) << result.err;
}

TEST(Serve, PortInUseIsAClearStartupError) {
    DaemonHarness first;
    ASSERT_TRUE(first.start()) << first.serve().process().output();
    TempDir dir;
    auto config =
        dir.write("shiplog.toml", "[server]\nlisten = \"127.0.0.1:" + std::to_string(first.port()) +
                                      "\"\n[storage]\npath = \"s\"\n");
    auto result = run_command(SHIPLOG_BINARY, {"serve", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << result.err;
    EXPECT_EQ(first.stop(), 0);
}

// Debian's compiled httplib listens with a backlog of 5; bursts of new
// connections overflowed it. serve raises it (ss shows it as Send-Q).
TEST(Serve, ListenBacklogIsRaised) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto ss = run_command("/usr/bin/ss", {"-ltnH", "sport = :" + std::to_string(daemon.port())});
    ASSERT_EQ(ss.exit_code, 0) << ss.err;
    std::istringstream line(ss.out);
    std::string state, recv_q, send_q;
    line >> state >> recv_q >> send_q;
    EXPECT_EQ(state, "LISTEN") << ss.out;
    EXPECT_EQ(send_q, "1024") << ss.out;
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Cli, VersionHelpAndUsageErrors) {
    auto version = run_command(SHIPLOG_BINARY, {"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_NE(version.out.find("shiplog "), std::string::npos);
    auto help = run_command(SHIPLOG_BINARY, {"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("serve"), std::string::npos);
    EXPECT_NE(help.out.find("ingest"), std::string::npos);
    auto usage = run_command(SHIPLOG_BINARY, {"no-such-command"});
    EXPECT_EQ(usage.exit_code, 2);
    // No subcommand prints the help, like --help (docs/reference/cli.md).
    auto none = run_command(SHIPLOG_BINARY, {});
    EXPECT_EQ(none.exit_code, 0);
    EXPECT_NE(none.out.find("serve"), std::string::npos);
}

TEST(Cli, ConfigCheckAcceptsTheExample) {
    auto result =
        run_command(SHIPLOG_BINARY, {"config", "check", "--config",
                                     std::string(SHIPLOG_SOURCE_DIR) + "/examples/shiplog.toml"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("OK"), std::string::npos);
}

TEST(Cli, ConfigCheckUsesShiplogConfigEnvironmentVariable) {
    TempDir dir;
    auto config = dir.write(
        "from-env.toml", "[storage]\npath = \"s\"\n[server]\nlisten = \"127.0.0.1:1\"\nnope = 2\n");
    auto result =
        run_command(SHIPLOG_BINARY, {"config", "check"}, {{"SHIPLOG_CONFIG", config.string()}});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("from-env.toml:5"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace shiplog::testing
