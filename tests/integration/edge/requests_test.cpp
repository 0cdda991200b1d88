// What a request may make the daemon write or answer: no forged log lines,
// pipelined requests all answered, excess connections refused at accept.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attack.hpp"

namespace shiplog::testing::edge {
namespace {

using namespace std::chrono_literals;

// A forged line would start with this timestamp (no real line can: 1999).
constexpr const char* k_forged = "1999-12-31T23:59:59Z";

bool has_line_starting_with(const std::string& output, const std::string& prefix) {
    for (std::size_t pos = 0; pos < output.size();) {
        if (output.compare(pos, prefix.size(), prefix) == 0) return true;
        auto eol = output.find('\n', pos);
        if (eol == std::string::npos) break;
        pos = eol + 1;
    }
    return false;
}

TEST(HostileEdge, RequestTextCannotForgeOrSplitLogLines) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string forged_line = std::string(k_forged) +
                                    "%20info%20POST%20/hooks/azure-devops%20200%20event=x%20"
                                    "outcome=stored";
    // The path, percent-encoded: a decoding logger would write a newline.
    for (const std::string& path : std::vector<std::string>{
             "/x%0a" + forged_line, "/x%0d%0a" + forged_line,
             "/hooks/azure-devops%0a" + forged_line, "/x%1b%5b2J%1b%5d0;title%07",
             "/api/v1/deploys/%0a" + forged_line}) {
        auto answer =
            raw_exchange(daemon.port(),
                         "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10s);
        EXPECT_FALSE(response_statuses(answer).empty()) << path << ": " << answer;
    }
    // Control characters in the event id (JSON escapes decode to raw bytes)
    // and in the user agent (obs-text and a tab are legal in header values).
    const std::string id = std::string("ev-ctl\\n") + k_forged +
                           " info forged outcome=stored\\u001b[2J\\r\\u0007\\u007f\\u0000";
    std::string body = make_push_event("placeholder-id");
    body.replace(body.find("placeholder-id"), 14, id);
    auto answer = raw_exchange(
        daemon.port(),
        "POST /hooks/azure-devops HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "User-Agent: agent\t\x80\xff\r\n" +
            basic_auth_header() + "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        10s);
    auto statuses = response_statuses(answer);
    ASSERT_FALSE(statuses.empty()) << answer;
    // Stored (the id is JSON's business) or refused as a bad id: never a 5xx.
    EXPECT_TRUE(statuses.front() == 200 || statuses.front() == 400) << answer;
    ASSERT_EQ(daemon.stop(), 0);  // flushes the log
    const std::string output = daemon.serve().process().output();
    std::string where;
    EXPECT_FALSE(has_raw_control_byte(output, &where)) << where;
    EXPECT_FALSE(has_line_starting_with(output, k_forged)) << output.substr(0, 4000);
}

// Statuses of the responses in `stream`, framed by their Content-Length (a
// second response starts right after the first one's body, mid-line).
std::vector<int> framed_statuses(const std::string& stream) {
    std::vector<int> statuses;
    std::size_t pos = 0;
    while (stream.compare(pos, 9, "HTTP/1.1 ") == 0 && pos + 12 <= stream.size()) {
        statuses.push_back(std::atoi(stream.substr(pos + 9, 3).c_str()));
        auto head_end = stream.find("\r\n\r\n", pos);
        if (head_end == std::string::npos) break;
        std::size_t length = 0;
        auto cl = stream.find("Content-Length: ", pos);
        if (cl != std::string::npos && cl < head_end)
            length = std::strtoull(stream.c_str() + cl + 16, nullptr, 10);
        pos = head_end + 4 + length;
    }
    return statuses;
}

TEST(HostileEdge, TwoPipelinedWebhooksAreBothAnsweredAndJournaled) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    // One send(), so both usually arrive in one segment.
    auto answer = raw_exchange(daemon.port(),
                               webhook_request(make_push_event("ev-pipelined-1")) +
                                   webhook_request(make_push_event("ev-pipelined-2"), false),
                               10s);
    auto statuses = framed_statuses(answer);
    EXPECT_EQ(statuses, (std::vector<int>{200, 200})) << answer;
    ASSERT_EQ(daemon.stop(), 0);
    auto ids = daemon.journal_event_ids();
    EXPECT_EQ(ids, (std::vector<std::string>{"ev-pipelined-1", "ev-pipelined-2"}));
}

// A connection the server accepted and answered, kept alive (idle).
int held_connection(const std::string& source, int port) {
    int fd = connect_from(source, port);
    if (fd < 0) return -1;
    if (!raw_send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) {
        ::close(fd);
        return -1;
    }
    // Read the one response (the connection stays open): until the body ends.
    std::string answer;
    char buf[4096];
    auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline && answer.find("\r\n\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    if (response_statuses(answer) != std::vector<int>{200}) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A complete request on a connection the server should refuse: true when it
// closed (EOF or reset) without sending a single byte.
bool refused_without_answer(const std::string& source, int port, std::string& got) {
    int fd = connect_from(source, port);
    if (fd < 0) return true;  // refused before the connect completed: also a refusal
    raw_send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    got = raw_read_until_close(fd, 3s);
    char b;
    ssize_t n = ::recv(fd, &b, 1, MSG_DONTWAIT);
    bool closed = n == 0 || (n < 0 && errno != EAGAIN);
    ::close(fd);
    return got.empty() && closed;
}

TEST(HostileEdge, ConnectionCapsRefuseExcessConnectionsAtAccept) {
    DaemonOptions options;
    options.server_toml = "max_connections = 12\nmax_connections_per_ip = 8\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    std::vector<int> held;
    for (int i = 0; i < 8; ++i) {
        int fd = held_connection("127.0.0.1", daemon.port());
        ASSERT_GE(fd, 0) << "connection " << i << " from 127.0.0.1 was not served";
        held.push_back(fd);
    }
    std::string got;
    EXPECT_TRUE(refused_without_answer("127.0.0.1", daemon.port(), got))
        << "a 9th connection from 127.0.0.1 (max_connections_per_ip = 8) was served: " << got;
    // Another client address still gets in, up to max_connections in all.
    for (int i = 0; i < 4; ++i) {
        int fd = held_connection("127.0.0.2", daemon.port());
        EXPECT_GE(fd, 0) << "connection " << i << " from 127.0.0.2 was not served";
        if (fd >= 0) held.push_back(fd);
    }
    EXPECT_TRUE(refused_without_answer("127.0.0.3", daemon.port(), got))
        << "a 13th connection (max_connections = 12) was served: " << got;
    for (int fd : held) ::close(fd);
    // Slots come back once connections close: poll with a deadline.
    auto deadline = Clock::now() + 5s;
    int fd = -1;
    while (fd < 0 && Clock::now() < deadline) fd = held_connection("127.0.0.1", daemon.port());
    EXPECT_GE(fd, 0) << "no connection served after the held ones closed";
    if (fd >= 0) ::close(fd);
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing::edge
