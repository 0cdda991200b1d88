// Slow and idle connections must not delay a legitimate webhook: the whole
// request (TLS handshake included) has request_timeout_s from its first
// byte, however slowly the bytes come, and no thread waits for a client.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "attack.hpp"

namespace shiplog::testing::edge {
namespace {

using namespace std::chrono_literals;

constexpr int k_request_timeout_s = 10;  // the default, spelled out in the config
// Closed "within request_timeout_s of the first byte": the server starts the
// clock at accept, a little after our connect; 2 s covers that and the
// scheduling of a loaded 2-core CI box (poll granularity is 50 ms).
constexpr auto k_close_within = std::chrono::seconds(k_request_timeout_s) + 2s;
constexpr auto k_answer_within = 2s * k_latency_factor;  // a legitimate webhook, under attack

// Enough connection slots for the attack plus the legitimate client, all
// from 127.0.0.1: this is about slow clients, not the connection caps.
DaemonOptions attack_options() {
    DaemonOptions options;
    options.server_toml = "request_timeout_s = " + std::to_string(k_request_timeout_s) +
                          "\nmax_connections = 4096\nmax_connections_per_ip = 4096\n";
    return options;
}

void expect_all_answered(const std::vector<Delivery>& deliveries, const char* attack) {
    ASSERT_FALSE(deliveries.empty());
    long long worst = 0;
    int late = 0, failed = 0;
    for (const auto& d : deliveries) {
        worst = std::max<long long>(worst, d.took.count());
        if (d.status != 200) {
            ++failed;
            ADD_FAILURE() << attack << ": a legitimate webhook got " << d.status << " " << d.error
                          << " after " << d.took.count() << " ms";
        } else if (d.took > k_answer_within) {
            ++late;
            ADD_FAILURE() << attack << ": a legitimate webhook took " << d.took.count()
                          << " ms (bound "
                          << std::chrono::duration_cast<milliseconds>(k_answer_within).count()
                          << " ms)";
        }
    }
    std::printf("[ measured ] %s: %zu legitimate webhooks, worst %lld ms, %d late, %d failed\n",
                attack, deliveries.size(), worst, late, failed);
}

void expect_trickles_closed_in_time(const SlowConnections& attack, const char* name) {
    std::printf(
        "[ measured ] %s: %d connections opened, %d closed by the server (longest held "
        "%lld ms), %d held past %lld ms, %d connect failures\n",
        name, attack.opened_total(), attack.closed_by_server(), attack.longest_close_ms(),
        attack.violations(), static_cast<long long>(k_close_within.count()) * 1000,
        attack.connect_failures());
    EXPECT_EQ(attack.violations(), 0)
        << name << ": connections held past request_timeout_s of their first byte";
    // 30 s of attack with a 10 s deadline: every original trickle was closed at least once.
    EXPECT_GE(attack.closed_by_server(), 200) << name;
}

// 200 connections each send one header byte every 2 s for 30 s (reopened as
// soon as the server closes them) while a legitimate client delivers a
// webhook on a new connection every second.
TEST(HostileEdge, TricklingHeadersDoNotDelayWebhooks) {
    DaemonHarness daemon(attack_options());
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    SlowConnections attack({.port = daemon.port(),
                            .count = 200,
                            .trickle = "POST /hooks/azure-devops HTTP/1.1\r\nHost: x\r\nX-Slow: ",
                            .interval = 2000ms,
                            .close_within = k_close_within});
    auto deliveries = deliver_repeatedly(daemon.port(), false, "ev-trickle-", 30s, 1000ms);
    attack.stop();
    expect_all_answered(deliveries, "200 trickling header connections");
    expect_trickles_closed_in_time(attack, "trickled headers");
    EXPECT_EQ(daemon.stop(), 0);
}

// The same inside the TLS handshake: a ClientHello that trickles in.
TEST(HostileEdge, TricklingTlsHandshakesDoNotDelayWebhooks) {
    DaemonOptions options = attack_options();
    options.server_toml += "tls_certificate = \"cert.pem\"\ntls_private_key = \"key.pem\"\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(make_self_signed_cert(daemon.dir()));
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    // Record header (handshake, TLS 1.0 record version, 512 bytes) and the
    // start of a ClientHello: the server cannot finish before the record does.
    const std::string client_hello_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    SlowConnections attack({.port = daemon.port(),
                            .count = 200,
                            .trickle = client_hello_start,
                            .interval = 2000ms,
                            .close_within = k_close_within});
    auto deliveries = deliver_repeatedly(daemon.port(), true, "ev-tls-trickle-", 30s, 1000ms);
    attack.stop();
    expect_all_answered(deliveries, "200 trickling TLS handshakes");
    expect_trickles_closed_in_time(attack, "trickled TLS handshakes");
    EXPECT_EQ(daemon.stop(), 0);
}

// 2,000 connections that send nothing, reopened as soon as the server closes
// them, while webhooks are delivered twice a second for 15 s (past one
// request_timeout_s, so the reopening is part of it).
TEST(HostileEdge, TwoThousandIdleConnectionsDoNotDelayWebhooks) {
    DaemonHarness daemon(attack_options());
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    SlowConnections attack({.port = daemon.port(),
                            .count = 2000,
                            .trickle = "",
                            .interval = 0ms,
                            .close_within = k_close_within});
    auto deliveries = deliver_repeatedly(daemon.port(), false, "ev-idle-", 15s, 500ms);
    int held = attack.open_now();
    attack.stop();
    std::printf(
        "[ measured ] idle attack: %d connections open at the end, %d opened, %d closed "
        "by the server\n",
        held, attack.opened_total(), attack.closed_by_server());
    EXPECT_GE(attack.opened_total(), 2000);
    expect_all_answered(deliveries, "2000 idle connections");
    EXPECT_EQ(attack.violations(), 0) << "idle connections held past request_timeout_s";
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing::edge
