// HTTPS with [server] tls_certificate / tls_private_key (issue 8, SPEC §2, §3):
// a self-signed certificate made by the openssl CLI in the test's temp dir.
#include <signal.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "daemon_harness.hpp"
#include "support/process.hpp"

namespace shiplog::testing {
namespace {

// A shell one-liner (stdin from /dev/null so s_client never waits on the terminal).
CommandResult sh(const std::string& script) {
    return run_command("/bin/sh", {"-c", script});
}

// Writes cert.pem/key.pem (RSA 2048, CN=127.0.0.1) into `dir`; false when openssl failed.
bool make_self_signed(const TempDir& dir, const std::string& prefix = "") {
    auto cert = (dir / (prefix + "cert.pem")).string();
    auto key = (dir / (prefix + "key.pem")).string();
    auto r = sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout '" +
                key + "' -out '" + cert + "' </dev/null && chmod 600 '" + key + "'");
    if (r.exit_code != 0) ADD_FAILURE() << "openssl req failed: " << r.err;
    return r.exit_code == 0;
}

// The harness writes [server] first; TLS keys must live in that table, so
// this writes its own config (same shape as the harness's) with them added.
std::filesystem::path write_tls_config(const TempDir& dir, const std::string& cert,
                                       const std::string& key) {
    dir.write("webhook-password", std::string(k_webhook_password) + "\n");
    return dir.write(
        "shiplog.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://shiplog.example.com\"\n"
        "tls_certificate = \"" +
            cert + "\"\ntls_private_key = \"" + key +
            "\"\n\n"
            "[storage]\npath = \"store\"\nmax_size_mb = 16\n\n"
            "[webhook]\nusername = \"shiplog\"\npassword_file = \"webhook-password\"\n\n"
            "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
            "\"Contoso\"\n"
            "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n");
}

std::string s_client(int port, const std::string& flags) {
    return "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + flags +
           " </dev/null";
}

TEST(Tls, ServesHttpsOnlyWithTls12Floor) {
    TempDir dir;
    ASSERT_TRUE(make_self_signed(dir));
    auto config = write_tls_config(dir, "cert.pem", "key.pem");
    ServeProcess serve(SHIPLOG_BINARY, config.string());
    ASSERT_TRUE(serve.started()) << serve.process().output();
    EXPECT_NE(serve.process().output().find("listening on https://"), std::string::npos)
        << serve.process().output();
    int port = serve.port();

    // HTTPS works (health, and an authenticated webhook write).
    httplib::SSLClient tls("127.0.0.1", port);
    tls.enable_server_certificate_verification(false);
    tls.set_connection_timeout(5);
    tls.set_read_timeout(15);
    auto health = tls.Get("/healthz");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    tls.set_basic_auth(k_webhook_user, k_webhook_password);
    auto stored =
        tls.Post("/hooks/azure-devops", make_push_event("ev-over-tls"), "application/json");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, 200);

    // Plain HTTP to the same port gets no HTTP answer at all (and the daemon survives it).
    auto plain = raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                              std::chrono::seconds{8});
    EXPECT_TRUE(response_statuses(plain).empty()) << plain;
    httplib::Client http("127.0.0.1", port);
    http.set_connection_timeout(5);
    http.set_read_timeout(8);
    auto http_res = http.Get("/healthz");
    EXPECT_TRUE(!http_res || http_res->status != 200);

    // TLS 1.2 and 1.3 handshake; TLS 1.1 and 1.0 are refused by the server.
    // SECLEVEL=0 lets the client *offer* the old protocols, so a failure is the server's refusal.
    auto v12 = sh(s_client(port, "-tls1_2"));
    EXPECT_EQ(v12.exit_code, 0) << v12.out << v12.err;
    auto v13 = sh(s_client(port, "-tls1_3"));
    EXPECT_EQ(v13.exit_code, 0) << v13.out << v13.err;
    auto v11 = sh(s_client(port, "-tls1_1 -cipher DEFAULT@SECLEVEL=0"));
    EXPECT_NE(v11.exit_code, 0) << v11.out << v11.err;
    auto v10 = sh(s_client(port, "-tls1 -cipher DEFAULT@SECLEVEL=0"));
    EXPECT_NE(v10.exit_code, 0) << v10.out << v10.err;
    // No export/NULL/RC4/3DES: a client offering only those gets no handshake.
    auto weak =
        sh(s_client(port, "-tls1_2 -cipher 'NULL:eNULL:aNULL:RC4:3DES:EXPORT:@SECLEVEL=0'"));
    EXPECT_NE(weak.exit_code, 0) << weak.out << weak.err;

    // Still serving after all of that, on a new connection: the daemon's
    // survival is the point here. (Once, under ASan on a loaded machine, the
    // first client's kept-alive connection failed at this step with the
    // daemon still up; the error is printed should it happen again.)
    httplib::SSLClient fresh("127.0.0.1", port);
    fresh.enable_server_certificate_verification(false);
    fresh.set_connection_timeout(5);
    fresh.set_read_timeout(15);
    auto again = fresh.Get("/healthz");
    ASSERT_TRUE(again) << httplib::to_string(again.error());
    EXPECT_EQ(again->status, 200);

    serve.process().send_signal(SIGTERM);
    EXPECT_EQ(serve.process().wait(), 0);
}

TEST(Tls, MissingKeyFileIsAOneLineStartupErrorNamingTheSetting) {
    TempDir dir;
    ASSERT_TRUE(make_self_signed(dir));
    auto config = write_tls_config(dir, "cert.pem", "no-such-key.pem");
    auto result = run_command(SHIPLOG_BINARY, {"serve", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find("tls_private_key"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("no-such-key.pem"), std::string::npos) << result.err;
    EXPECT_EQ(count_occurrences(result.err, "\n"), 1u) << result.err;
}

TEST(Tls, UnreadableKeyIsAClearStartupError) {
    TempDir dir;
    ASSERT_TRUE(make_self_signed(dir));
    dir.write("garbage-key.pem",
              "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    auto config = write_tls_config(dir, "cert.pem", "garbage-key.pem");
    auto result = run_command(SHIPLOG_BINARY, {"serve", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find("tls_private_key"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("garbage-key.pem"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("BEGIN"), std::string::npos) << "key material echoed: " << result.err;
}

TEST(Tls, KeyThatDoesNotMatchTheCertificateIsAClearStartupError) {
    TempDir dir;
    ASSERT_TRUE(make_self_signed(dir));
    ASSERT_TRUE(make_self_signed(dir, "other-"));
    auto config = write_tls_config(dir, "cert.pem", "other-key.pem");
    auto result = run_command(SHIPLOG_BINARY, {"serve", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find("does not match"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("tls_certificate"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace shiplog::testing
