// Who may talk to the edge and how: the TLS policy (Mozilla intermediate
// without DHE), trusted_proxies and [webhook] allow_from.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "attack.hpp"

namespace shiplog::testing::edge {
namespace {

using namespace std::chrono_literals;

TEST(HostileEdge, TlsAcceptsOnlyTls13AndForwardSecretAead) {
    DaemonOptions options;
    options.server_toml = "tls_certificate = \"cert.pem\"\ntls_private_key = \"key.pem\"\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(make_self_signed_cert(daemon.dir()));
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    struct Case {
        const char* what;
        const char* flags;
        bool accepted;
    };
    // SECLEVEL=0 lets the client offer what it is asked to, so a refusal is
    // the server's.
    const Case cases[] = {
        {"TLS 1.3", "-tls1_3", true},
        {"TLS 1.2 ECDHE-RSA AES-128-GCM", "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256", true},
        {"TLS 1.2 ECDHE-RSA AES-256-GCM", "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384", true},
        {"TLS 1.2 ECDHE-RSA ChaCha20", "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305", true},
        {"TLS 1.1", "-tls1_1 -cipher DEFAULT@SECLEVEL=0", false},
        {"TLS 1.0", "-tls1 -cipher DEFAULT@SECLEVEL=0", false},
        {"TLS 1.2 static RSA AES-GCM", "-tls1_2 -cipher AES128-GCM-SHA256@SECLEVEL=0", false},
        {"TLS 1.2 static RSA AES-CBC-SHA1", "-tls1_2 -cipher AES128-SHA@SECLEVEL=0", false},
        {"TLS 1.2 static RSA AES-CBC-SHA256", "-tls1_2 -cipher AES256-SHA256@SECLEVEL=0", false},
        {"TLS 1.2 ECDHE CBC-SHA1", "-tls1_2 -cipher ECDHE-RSA-AES128-SHA@SECLEVEL=0", false},
        {"TLS 1.2 ECDHE CBC-SHA384", "-tls1_2 -cipher ECDHE-RSA-AES256-SHA384@SECLEVEL=0", false},
        {"TLS 1.2 DHE AES-GCM", "-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256@SECLEVEL=0", false},
    };
    for (const auto& c : cases) {
        std::string output;
        bool handshake = s_client_handshake(daemon.port(), c.flags, output);
        EXPECT_EQ(handshake, c.accepted)
            << c.what << (c.accepted ? " was refused" : " was accepted") << ":\n"
            << output.substr(0, 1500);
        std::printf("[ measured ] %s: %s\n", c.what, handshake ? "accepted" : "refused");
    }
    // Still serving after the refusals.
    auto after = deliver_webhook(daemon.port(), "ev-after-tls-probes", true);
    EXPECT_EQ(after.status, 200) << after.error;
    EXPECT_EQ(daemon.stop(), 0);
}

// Behind a local reverse proxy, a request it forwards is not a loopback
// client: with no [webhook] / [api] section, those routes need credentials
// that do not exist, so the answer is 401, never the loopback pass.
TEST(HostileEdge, ProxiedRequestIsNeverALoopbackClient) {
    DaemonOptions options;
    options.webhook_auth = false;
    options.server_toml = "trusted_proxies = [\"127.0.0.1/32\"]\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto c = daemon.client();
    httplib::Headers proxied{{"X-Forwarded-For", "203.0.113.7"}};
    auto hook =
        c.Post("/hooks/azure-devops", proxied, make_push_event("ev-via-proxy"), "application/json");
    ASSERT_TRUE(hook);
    EXPECT_EQ(hook->status, 401) << hook->body;
    auto deploys = c.Get("/api/v1/deploys", proxied);
    ASSERT_TRUE(deploys);
    EXPECT_EQ(deploys->status, 401) << deploys->body;
    // A chain ending in the proxy's own view of the client: still not loopback.
    httplib::Headers chained{{"X-Forwarded-For", "127.0.0.1, 203.0.113.7"}};
    auto chained_hook =
        c.Post("/hooks/azure-devops", chained, make_push_event("ev-via-chain"), "application/json");
    ASSERT_TRUE(chained_hook);
    EXPECT_EQ(chained_hook->status, 401) << chained_hook->body;
    // Without the header: the peer is still the trusted proxy's address, so
    // it cannot be told from a forwarded request and is not a loopback
    // client either (the loopback pass ends once a local proxy is listed).
    auto direct = c.Post("/hooks/azure-devops", make_push_event("ev-direct"), "application/json");
    ASSERT_TRUE(direct);
    EXPECT_EQ(direct->status, 401) << direct->body;
    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_TRUE(daemon.journal_event_ids().empty());
}

TEST(HostileEdge, WebhookAllowFromRefusesOtherNetworks) {
    DaemonOptions options;
    options.webhook_toml = "allow_from = [\"10.0.0.0/8\"]\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto refused = daemon.post_event(make_push_event("ev-not-allowed"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << refused->body;
    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_TRUE(daemon.journal_event_ids().empty());

    DaemonOptions listed;
    listed.webhook_toml = "allow_from = [\"10.0.0.0/8\", \"127.0.0.1/32\"]\n";
    DaemonHarness allowed_daemon(listed);
    ASSERT_TRUE(allowed_daemon.start()) << allowed_daemon.serve().process().output();
    auto allowed = allowed_daemon.post_event(make_push_event("ev-allowed"));
    ASSERT_TRUE(allowed);
    EXPECT_EQ(allowed->status, 200) << allowed->body;
    ASSERT_EQ(allowed_daemon.stop(), 0);
    EXPECT_EQ(allowed_daemon.journal_event_ids(), std::vector<std::string>{"ev-allowed"});
}

}  // namespace
}  // namespace shiplog::testing::edge
