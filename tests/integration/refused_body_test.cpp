// Refusals decided on the headers alone (docs/security.md):
// - POST .../register_deploy answers 401 (wrong token) and 415 (not JSON)
//   without reading the body, so it must close the connection: on a kept-alive
//   connection the unread body would be parsed as the next request.
// - `Expect: 100-continue`: a client with wrong credentials for the webhook or
//   register_deploy gets its 401 at once instead of "100 Continue" (an
//   invitation to upload the body); right credentials still get the 100, then
//   the body is read and answered.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// The daemon's read and keep-alive timeouts are 5 s: a connection closed
// within this bound was closed by the answer, not by a timeout.
constexpr auto k_prompt = 3s;
constexpr const char* k_register_path = "/api/1/deployments/contoso/web-api/register_deploy";
constexpr const char* k_continue = "HTTP/1.1 100 Continue\r\n\r\n";

DaemonOptions api_options() {
    DaemonOptions o;
    o.extra_toml = "[api]\ntoken_file = \"api-token\"\n";
    return o;
}

// A daemon with [webhook] and [api] credentials.
class RefusedBody : public ::testing::Test {
  protected:
    RefusedBody() : daemon(api_options()) {
        daemon.dir().write("api-token", std::string(secrets::api_token) + "\n");
    }
    DaemonHarness daemon;
};

std::string basic_auth(const std::string& password) {
    auto [name, value] = httplib::make_basic_authentication_header(k_webhook_user, password);
    return name + ": " + value + "\r\n";
}

std::string bearer_auth(const std::string& token) {
    return "Authorization: Bearer " + token + "\r\n";
}

std::string post_head(const std::string& path, const std::string& headers,
                      std::size_t content_length,
                      const std::string& content_type = "application/json") {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
           "Content-Type: " + content_type +
           "\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

// Reads from `fd` until what arrived contains `needle` or `timeout` passes.
std::string read_until(int fd, const std::string& needle, std::chrono::milliseconds timeout) {
    return raw_read_until(fd, timeout, [&needle](const std::string& stream) {
        return stream.find(needle) != std::string::npos;
    });
}

std::string register_body(char digit) {
    return R"({"sha":")" + std::string(40, digit) + R"("})";
}

// Sends `head` (declaring a body of smuggled.size() bytes), waits for the
// answer and the close, then sends `smuggled` as that body. Returns all that
// arrived. Were the connection kept open, `smuggled` (a complete GET) would
// be served as a second request.
std::string refuse_then_smuggle(int port, const std::string& head, const std::string& smuggled,
                                steady::duration& closed_after) {
    const int fd = raw_connect(port);
    if (fd < 0) return "connect failed";
    const auto started = steady::now();
    if (!raw_send(fd, head)) {
        ::close(fd);
        return "send failed";
    }
    std::string answer = raw_read_until_close(fd, k_prompt);
    closed_after = steady::now() - started;
    raw_send(fd, smuggled);  // fails once the daemon closed, as it should have
    answer += raw_read_until_close(fd, k_prompt);
    ::close(fd);
    return answer;
}

const std::string k_smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

TEST_F(RefusedBody, RegisterDeployWithAWrongTokenClosesAndNeverServesTheUnreadBody) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    steady::duration closed_after{};
    const std::string answer = refuse_then_smuggle(
        daemon.port(), post_head(k_register_path, bearer_auth("not-the-token"), k_smuggled.size()),
        k_smuggled, closed_after);
    // Counted by status line anywhere: a second answer would follow the first's '}'.
    EXPECT_EQ(count_occurrences(answer, "HTTP/1.1 "), 1u) << answer;
    EXPECT_EQ(answer.rfind("HTTP/1.1 401 ", 0), 0u) << answer;
    EXPECT_NE(answer.find("WWW-Authenticate: Bearer"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_NE(answer.find("missing or wrong API token"), std::string::npos) << answer;
    EXPECT_LT(closed_after, k_prompt) << "connection not closed after the 401";
}

TEST_F(RefusedBody, RegisterDeployThatIsNotJsonClosesAndNeverServesTheUnreadBody) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    steady::duration closed_after{};
    const std::string answer =
        refuse_then_smuggle(daemon.port(),
                            post_head(k_register_path, bearer_auth(secrets::api_token),
                                      k_smuggled.size(), "text/plain"),
                            k_smuggled, closed_after);
    EXPECT_EQ(count_occurrences(answer, "HTTP/1.1 "), 1u) << answer;
    EXPECT_EQ(answer.rfind("HTTP/1.1 415 ", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_LT(closed_after, k_prompt) << "connection not closed after the 415";

    // A good registration is still stored, and nothing else was.
    httplib::Client c = daemon.client();
    c.set_bearer_token_auth(secrets::api_token);
    auto res = c.Post(k_register_path, register_body('a'), "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_NE(res->body.find(R"("status":"stored")"), std::string::npos) << res->body;
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.journal_event_ids().size(), 1u);
}

// The refusal arrives while the client waits for "100 Continue", and the
// connection closes (a client that sends its body anyway is not parsed).
TEST_F(RefusedBody, ExpectContinueWithWrongCredentialsGets401WithoutAnInvitation) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string expect = "Expect: 100-continue\r\n";
    struct Case {
        const char* name;
        std::string head;
        const char* challenge;
    };
    const std::vector<Case> cases = {
        {"webhook, wrong password",
         post_head("/hooks/azure-devops", basic_auth("not-the-password") + expect, 1000),
         "WWW-Authenticate: Basic"},
        {"webhook, no credentials", post_head("/hooks/azure-devops", expect, 1000),
         "WWW-Authenticate: Basic"},
        {"register_deploy, wrong token",
         post_head(k_register_path, bearer_auth("not-the-token") + expect, 1000),
         "WWW-Authenticate: Bearer"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const int fd = raw_connect(daemon.port());
        ASSERT_GE(fd, 0);
        const auto started = steady::now();
        ASSERT_TRUE(raw_send(fd, c.head));
        // No body is sent: an invited client would now upload it, and the
        // daemon would wait for it (read timeout) instead of closing.
        const std::string answer = raw_read_until_close(fd, k_prompt);
        const auto elapsed = steady::now() - started;
        ::close(fd);
        EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;
        EXPECT_EQ(response_statuses(answer), std::vector<int>{401}) << answer;
        EXPECT_NE(answer.find(c.challenge), std::string::npos) << answer;
        EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
        EXPECT_LT(elapsed, k_prompt) << "connection not closed after the 401";
    }

    // Each refused webhook attempt is counted once (the handler never ran).
    auto metrics = daemon.client().Get("/metrics");
    ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
    EXPECT_NE(metrics->body.find("shiplog_webhook_auth_failures_total 2\n"), std::string::npos)
        << metrics->body;
    EXPECT_TRUE(daemon.serve().process().wait_for_output("refused unauthenticated request", 5s))
        << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_TRUE(daemon.journal_event_ids().empty());
}

// Right credentials: "100 Continue" first, then the body is read and the
// request answered 200 on the same connection.
TEST_F(RefusedBody, ExpectContinueWithRightCredentialsInvitesTheBodyAndStoresIt) {
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string expect = "Expect: 100-continue\r\n";
    struct Case {
        const char* name;
        std::string path;
        std::string auth;
        std::string body;
        const char* stored;
    };
    const std::vector<Case> cases = {
        {"webhook", "/hooks/azure-devops", basic_auth(k_webhook_password),
         make_push_event("expect-continue-1"), R"({"status":"stored"})"},
        {"register_deploy", k_register_path, bearer_auth(secrets::api_token), register_body('b'),
         R"("status":"stored")"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const int fd = raw_connect(daemon.port());
        ASSERT_GE(fd, 0);
        ASSERT_TRUE(raw_send(fd, post_head(c.path, c.auth + expect, c.body.size())));
        // The daemon sends nothing more before the body arrives.
        const std::string invitation = read_until(fd, "\r\n\r\n", 10s);
        EXPECT_EQ(invitation, k_continue) << invitation;
        ASSERT_TRUE(raw_send(fd, c.body));
        const std::string answer = read_until(fd, "}", 10s);
        ::close(fd);
        EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
        EXPECT_NE(answer.find(c.stored), std::string::npos) << answer;
    }
    auto metrics = daemon.client().Get("/metrics");
    ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
    EXPECT_NE(metrics->body.find("shiplog_webhook_auth_failures_total 0\n"), std::string::npos)
        << metrics->body;
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.journal_event_ids().size(), 2u);
}

}  // namespace
}  // namespace shiplog::testing
