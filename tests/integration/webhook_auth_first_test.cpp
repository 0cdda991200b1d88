// POST /hooks/azure-devops checks credentials before it reads the body
// (docs/security.md): an unauthenticated client cannot make the daemon read
// and buffer up to server.max_body_bytes, and the connection of a refused
// request is closed, so its unread body is never parsed as a request.
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

// A limit above the declared length, so httplib's own Content-Length check
// (413 before reading) cannot be what answers.
constexpr std::size_t k_max_body_bytes = 64u << 20;
constexpr std::size_t k_declared_length = 50u << 20;
// The daemon's read timeout is 5 s: reading the (never sent) body would take
// that long, so an answer within this bound can only come before the read.
constexpr auto k_prompt = 3s;

std::string authorization_header(const std::string& password) {
    auto [name, value] = httplib::make_basic_authentication_header(k_webhook_user, password);
    return name + ": " + value + "\r\n";
}

std::string webhook_head(const std::string& auth_header, std::size_t content_length) {
    return "POST /hooks/azure-devops HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_header +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(content_length) +
           "\r\n\r\n";
}

std::string metrics_text(const DaemonHarness& daemon) {
    auto res = daemon.client().Get("/metrics");
    return res ? res->body : std::string("no /metrics answer: ") + httplib::to_string(res.error());
}

TEST(WebhookAuthFirst, WrongPasswordWithHugeDeclaredBodyIsRefusedWithoutReadingIt) {
    DaemonOptions options;
    options.max_body_bytes = k_max_body_bytes;
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();

    const int fd = raw_connect(daemon.port());
    ASSERT_GE(fd, 0);
    const auto started = steady::now();
    ASSERT_TRUE(
        raw_send(fd, webhook_head(authorization_header("not-the-password"), k_declared_length)));
    // No body follows. The answer arrives and the daemon closes the
    // connection, both before the read timeout could have passed.
    const std::string answer = raw_read_until_close(fd, k_prompt);
    const auto elapsed = steady::now() - started;
    ::close(fd);
    EXPECT_EQ(response_statuses(answer), std::vector<int>{401}) << answer;
    EXPECT_LT(elapsed, k_prompt) << "connection not closed after the 401";
    EXPECT_NE(answer.find("WWW-Authenticate: Basic"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;

    // Still counted and logged as before.
    EXPECT_NE(metrics_text(daemon).find("shiplog_webhook_auth_failures_total 1\n"),
              std::string::npos);
    EXPECT_TRUE(daemon.serve().process().wait_for_output("refused unauthenticated request", 5s))
        << daemon.serve().process().output();

    // Missing credentials are refused the same way.
    const int fd2 = raw_connect(daemon.port());
    ASSERT_GE(fd2, 0);
    ASSERT_TRUE(raw_send(fd2, webhook_head("", k_declared_length)));
    const std::string answer2 = raw_read_until_close(fd2, k_prompt);
    ::close(fd2);
    EXPECT_EQ(response_statuses(answer2), std::vector<int>{401}) << answer2;

    // The right credentials still get their event stored.
    auto res = daemon.post_event(make_push_event("auth-first-ok"));
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->body, R"({"status":"stored"})");
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(daemon.journal_event_ids(), std::vector<std::string>{"auth-first-ok"});
}

// A refused request's body is never read, so the connection closes: were it
// kept open, the body (here a complete GET) would be served as the next request.
TEST(WebhookAuthFirst, UnreadBodyOfARefusedRequestIsNotServedAsARequest) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const int fd = raw_connect(daemon.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(
        raw_send(fd, webhook_head(authorization_header("not-the-password"), smuggled.size())));
    std::string answer = raw_read_until_close(fd, k_prompt);
    raw_send(fd, smuggled);  // fails once the daemon closed, as it should have
    answer += raw_read_until_close(fd, k_prompt);
    ::close(fd);
    // Counted by status line anywhere: a second answer follows the first's '}'.
    EXPECT_EQ(count_occurrences(answer, "HTTP/1.1 "), 1u) << answer;
    EXPECT_EQ(answer.rfind("HTTP/1.1 401 ", 0), 0u) << answer;
}

// Reads from `fd` until `stream` holds `count` complete JSON answers of the
// webhook (each ends its body with '}'), or `timeout` passes.
std::string read_answers(int fd, std::size_t count, std::chrono::milliseconds timeout) {
    return raw_read_until(fd, timeout, [count](const std::string& stream) {
        return count_occurrences(stream, "\"}") >= count;
    });
}

// With the right password the connection stays usable (keep-alive): two
// webhook requests, one after the other's answer, on one connection.
TEST(WebhookAuthFirst, AuthorisedRequestsKeepTheConnection) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string auth = authorization_header(k_webhook_password);
    const int fd = raw_connect(daemon.port());
    ASSERT_GE(fd, 0);
    std::string answers;
    for (const char* id : {"keep-alive-1", "keep-alive-2"}) {
        const std::string body = make_push_event(id);
        ASSERT_TRUE(raw_send(fd, webhook_head(auth, body.size()) + body)) << answers;
        answers += read_answers(fd, 1, 10s);
    }
    ::close(fd);
    // (response_statuses() needs a line start; the second answer follows the first's '}'.)
    EXPECT_EQ(count_occurrences(answers, "HTTP/1.1 200 OK\r\n"), 2u) << answers;
    EXPECT_EQ(count_occurrences(answers, R"({"status":"stored"})"), 2u) << answers;
}

}  // namespace
}  // namespace shiplog::testing
