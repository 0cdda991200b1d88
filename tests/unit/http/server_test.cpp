// The edge (http::Server) over real sockets on 127.0.0.1: routing, limits,
// pipelining, deadlines, the exactly-once answer. The hostile-client suite
// (tests/integration) drives the same edge through the real binary.
#include "http/server.hpp"
#include "common/json.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace shiplog::http {
namespace {

using namespace std::chrono_literals;

// A blocking loopback client with a deadline on every read.
class Client {
  public:
    explicit Client(int port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~Client() { ::close(m_fd); }

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    void half_close() { ::shutdown(m_fd, SHUT_WR); }

    // Reads until `done(received)` or EOF or the deadline; returns what came.
    template <class Done>
    std::string read_until(Done done, std::chrono::milliseconds deadline = 5000ms) {
        auto end = std::chrono::steady_clock::now() + deadline;
        while (!done(m_received)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[65536];
            auto n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) {
                eof = true;
                break;
            }
            m_received.append(buf, static_cast<std::size_t>(n));
        }
        return m_received;
    }
    std::string read_responses(std::size_t count) {
        return read_until([count](const std::string& s) { return responses_in(s) >= count; });
    }
    std::string read_to_eof(std::chrono::milliseconds deadline = 5000ms) {
        return read_until([](const std::string&) { return false; }, deadline);
    }

    static std::size_t responses_in(const std::string& s) {
        // Complete responses: a header block and its Content-Length body.
        std::size_t count = 0, at = 0;
        while (true) {
            auto end = s.find("\r\n\r\n", at);
            if (end == std::string::npos) return count;
            auto cl = s.find("Content-Length: ", at);
            std::size_t length = 0;
            if (cl != std::string::npos && cl < end) length = std::stoul(s.substr(cl + 16));
            if (s.size() < end + 4 + length) return count;
            ++count;
            at = end + 4 + length;
        }
    }

    bool connected = false;
    bool eof = false;

  private:
    int m_fd = -1;
    std::string m_received;
};

std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + std::string(extra) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}
std::string get(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

class EdgeTest : public ::testing::Test {
  protected:
    void start(Limits limits = {}) {
        Router router;
        Route echo;
        echo.method = "POST";
        echo.pattern = "/echo";
        echo.max_body_bytes = 1 << 20;
        echo.execution = Execution::worker;
        echo.admit = [](Request& req) -> std::optional<Response> {
            if (req.header("Authorization") != "let-me-in") return json_error(401, "no");
            return std::nullopt;
        };
        echo.handler = [this](Request& req, Respond respond) {
            ++echoed;
            respond(json("{\"bytes\":" + std::to_string(req.body.size()) + "}"));
        };
        router.add(std::move(echo));

        Route item;
        item.method = "GET";
        item.pattern = "/items/{}";
        item.execution = Execution::inline_io;
        item.handler = [](Request& req, Respond respond) {
            respond(json("{\"id\":\"" + json::escape(req.params.at(0)) + "\",\"client\":\"" +
                         req.client_address + "\",\"proxy\":" + (req.via_proxy ? "true" : "false") +
                         ",\"q\":\"" + json::escape(req.query_param("q").value_or("-")) + "\"}"));
        };
        router.add(std::move(item));

        Route never;  // answers only after its deadline, from another thread
        never.method = "GET";
        never.pattern = "/late";
        never.respond_within = 200ms;
        never.handler = [this](Request&, Respond respond) {
            late = std::async(std::launch::async, [respond, this] {
                std::unique_lock lock(late_mutex);
                late_cv.wait(lock, [this] { return release_late; });
                respond(json("{\"late\":true}"));
            });
        };
        router.add(std::move(never));

        ServerOptions options;
        options.io_threads = 2;
        options.worker_threads = 2;
        options.limits = std::move(limits);
        auto created = Server::create(std::move(options), std::move(router));
        ASSERT_TRUE(created) << created.error().message;
        server = std::move(*created);
        thread = std::thread([this] { server->run(); });
        server->wait_until_running();
    }

    void TearDown() override {
        {
            std::lock_guard lock(late_mutex);
            release_late = true;
        }
        late_cv.notify_all();
        if (late.valid()) late.wait();
        late = {};  // its task holds the answer callback, which holds the connection
        if (server) server->stop();
        if (thread.joinable()) thread.join();
    }

    std::unique_ptr<Server> server;
    std::thread thread;
    std::atomic<int> echoed{0};
    std::future<void> late;
    std::mutex late_mutex;
    std::condition_variable late_cv;
    bool release_late = false;
};

TEST_F(EdgeTest, RoutesWithParamsQueryAndStatusesForUnknownPathsAndMethods) {
    start();
    Client c(server->port());
    ASSERT_TRUE(c.connected);
    c.send(get("/items/abc?q=a%20b"));
    auto r = c.read_responses(1);
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    EXPECT_NE(r.find("\"id\":\"abc\""), std::string::npos) << r;
    EXPECT_NE(r.find("\"q\":\"a b\""), std::string::npos) << r;
    EXPECT_NE(r.find("\"client\":\"127.0.0.1\",\"proxy\":false"), std::string::npos) << r;

    Client d(server->port());
    d.send(get("/nope") + get("/echo"));
    r = d.read_responses(2);
    EXPECT_NE(r.find("HTTP/1.1 404"), std::string::npos) << r;
    EXPECT_NE(r.find("HTTP/1.1 405"), std::string::npos) << r;
}

TEST_F(EdgeTest, PipelinedRequestsAreAllAnsweredInOrder) {
    start();
    Client c(server->port());
    std::string burst;
    for (int i = 0; i < 5; ++i) burst += get("/items/" + std::to_string(i));
    burst += post("/echo", "{\"a\":1}", "Authorization: let-me-in\r\n");
    ASSERT_TRUE(c.send(burst));
    auto r = c.read_responses(6);
    ASSERT_EQ(Client::responses_in(r), 6u) << r;
    std::size_t at = 0;
    for (int i = 0; i < 5; ++i) {
        auto found = r.find("\"id\":\"" + std::to_string(i) + "\"", at);
        ASSERT_NE(found, std::string::npos) << i << r;
        at = found;
    }
    EXPECT_NE(r.find("{\"bytes\":7}", at), std::string::npos) << r;
}

TEST_F(EdgeTest, AdmitRefusesBeforeTheBodyIsReadAndCloses) {
    start();
    Client c(server->port());
    // Announces a large body but sends none: the 401 must come anyway.
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    auto r = c.read_to_eof();
    EXPECT_NE(r.find("HTTP/1.1 401"), std::string::npos) << r;
    EXPECT_TRUE(c.eof);
    EXPECT_EQ(echoed.load(), 0);
}

TEST_F(EdgeTest, ExpectContinueIsAnsweredWith401WhenAdmitRefuses) {
    start();
    Client c(server->port());
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
    auto r = c.read_to_eof();
    EXPECT_EQ(r.find("100 Continue"), std::string::npos) << r;
    EXPECT_NE(r.find("HTTP/1.1 401"), std::string::npos) << r;

    Client ok(server->port());
    ok.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: let-me-in\r\nExpect: 100-continue\r\n"
        "Content-Length: 2\r\n\r\n");
    r = ok.read_until([](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; });
    EXPECT_NE(r.find("HTTP/1.1 100 Continue"), std::string::npos) << r;
    ok.send("{}");
    r = ok.read_until(
        [](const std::string& s) { return s.find("{\"bytes\":2}") != std::string::npos; });
    EXPECT_NE(r.find("{\"bytes\":2}"), std::string::npos) << r;
}

TEST_F(EdgeTest, OversizedDeclaredBodyIs413AtOnceAndChunkedStopsAtTheCap) {
    Limits limits;
    limits.small_body_bytes = 1024;
    start(limits);
    Client c(server->port());
    auto started = std::chrono::steady_clock::now();
    c.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: let-me-in\r\n"
        "Content-Length: 1000000000000\r\n\r\n");
    auto r = c.read_to_eof();
    EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);

    // A GET route has the small cap: a chunked body beyond it is cut off.
    Client d(server->port());
    std::string chunked = "GET /items/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) chunked += "200\r\n" + std::string(512, 'a') + "\r\n";
    d.send(chunked);
    r = d.read_to_eof();
    EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos) << r;
}

TEST_F(EdgeTest, AmbiguousFramingAndOversizedHeadersAreRefused) {
    Limits limits;
    limits.max_header_bytes = 2048;
    limits.max_headers = 10;
    start(limits);
    Client c(server->port());
    c.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: "
        "chunked\r\n\r\n");
    EXPECT_NE(c.read_to_eof().find("HTTP/1.1 400"), std::string::npos);

    Client d(server->port());
    d.send("GET /items/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
    EXPECT_NE(d.read_to_eof().find("HTTP/1.1 431"), std::string::npos);

    Client e(server->port());
    std::string many = "GET /items/x HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 20; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    e.send(many + "\r\n");
    EXPECT_NE(e.read_to_eof().find("HTTP/1.1 431"), std::string::npos);
}

TEST_F(EdgeTest, ARequestMustArriveWholeWithinTheDeadlineFromItsFirstByte) {
    Limits limits;
    limits.request_timeout = 1s;
    start(limits);
    Client c(server->port());
    auto started = std::chrono::steady_clock::now();
    // A trickle: one byte every 200 ms never completes the header.
    std::string head = get("/items/x");
    std::size_t i = 0;
    while (!c.eof && i < head.size() - 2 && std::chrono::steady_clock::now() - started < 5s) {
        c.send(head.substr(i++, 1));
        c.read_until([](const std::string&) { return false; }, 200ms);
    }
    EXPECT_TRUE(c.eof) << "the trickle was not cut off";
    auto lasted = std::chrono::steady_clock::now() - started;
    EXPECT_GE(lasted, 900ms);
    EXPECT_LT(lasted, 4s);  // 1 s deadline; slack for a loaded CI machine
    // The stream closes the socket on its deadline before the session's
    // handler counts it: wait (bounded) for the count.
    auto until = std::chrono::steady_clock::now() + 2s;
    while (server->stats().timed_out == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
    EXPECT_GE(server->stats().timed_out, 1u);
}

TEST_F(EdgeTest, IdleKeepAliveConnectionsAreClosed) {
    Limits limits;
    limits.idle_timeout = 1s;
    start(limits);
    Client c(server->port());
    c.send(get("/items/x"));
    c.read_responses(1);
    auto started = std::chrono::steady_clock::now();
    c.read_to_eof(4000ms);
    EXPECT_TRUE(c.eof);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
}

TEST_F(EdgeTest, ConnectionsOverThePerAddressCapAreRefusedAtAccept) {
    Limits limits;
    limits.max_connections_per_ip = 3;
    start(limits);
    std::vector<std::unique_ptr<Client>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<Client>(server->port()));
        held.back()->send(get("/items/h"));
        held.back()->read_responses(1);  // accepted and served
    }
    Client extra(server->port());
    extra.send(get("/items/x"));
    auto r = extra.read_to_eof(3000ms);
    EXPECT_EQ(r.find("HTTP/1.1 200"), std::string::npos) << r;
    EXPECT_TRUE(extra.eof);
    EXPECT_GE(server->stats().refused_connections, 1u);
    held.clear();
}

TEST_F(EdgeTest, AHandlerLateBeyondItsDeadlineGets503AndItsAnswerIsDropped) {
    start();
    Client c(server->port());
    c.send(get("/late") + get("/items/after"));
    auto r = c.read_responses(2);
    EXPECT_NE(r.find("HTTP/1.1 503"), std::string::npos) << r;
    EXPECT_NE(r.find("\"id\":\"after\""), std::string::npos) << r;
    {
        std::lock_guard lock(late_mutex);
        release_late = true;
    }
    late_cv.notify_all();
    late.wait();
    c.send(get("/items/again"));
    r = c.read_responses(3);
    EXPECT_EQ(r.find("\"late\":true"), std::string::npos) << r;
    EXPECT_NE(r.find("\"id\":\"again\""), std::string::npos) << r;
}

TEST_F(EdgeTest, TrustedProxyClientsComeFromForwardedForAndAreNeverLoopback) {
    Limits limits;
    limits.trusted_proxies.push_back(*Cidr::parse("127.0.0.1/32"));
    start(limits);
    Client c(server->port());
    c.send(get("/items/p", "X-Forwarded-For: 198.51.100.9, 203.0.113.7\r\n"));
    auto r = c.read_responses(1);
    EXPECT_NE(r.find("\"client\":\"203.0.113.7\",\"proxy\":true"), std::string::npos) << r;
}

TEST(LogEscape, ControlBytesQuotesAndInvalidUtf8AreEscaped) {
    EXPECT_EQ(log_escape("/x\n2026 info stored"), "/x\\x0a2026 info stored");
    EXPECT_EQ(log_escape("a\x1b[31mb"), "a\\x1b[31mb");
    EXPECT_EQ(log_escape("q\"\\"), "q\\\"\\\\");
    EXPECT_EQ(log_escape("caf\xc3\xa9"), "caf\xc3\xa9");       // valid UTF-8 kept
    EXPECT_EQ(log_escape("bad\xc3("), "bad\\xc3(");            // broken sequence escaped
    EXPECT_EQ(log_escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate refused
    // Regression: lead bytes 0xf5-0xff start no sequence (they were taken as
    // the lead of a three-byte one and passed through).
    EXPECT_EQ(log_escape("\xf8\x88\x80"), "\\xf8\\x88\\x80");
    EXPECT_EQ(log_escape(std::string(300, 'a'), 10), "aaaaaaaaaa...");
}

TEST(Router, PatternsMatchSegmentsAndTellUnknownMethods) {
    Router router;
    Route a;
    a.method = "GET";
    a.pattern = "/api/1/deployments/{}/{}/register_deploy";
    router.add(a);
    Route b;
    b.method = "GET";
    b.pattern = "/ui/{...}";
    router.add(b);
    auto m = router.match("GET", "/api/1/deployments/org/web/register_deploy");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params, (std::vector<std::string>{"org", "web"}));
    EXPECT_EQ(router.match("GET", "/api/1/deployments//web/register_deploy").route, nullptr);
    EXPECT_EQ(router.match("GET", "/api/1/deployments/o/w/register_deploy/x").route, nullptr);
    auto post = router.match("POST", "/api/1/deployments/o/w/register_deploy");
    EXPECT_EQ(post.route, nullptr);
    EXPECT_TRUE(post.path_known);
    auto ui = router.match("GET", "/ui/a/b.js");
    ASSERT_NE(ui.route, nullptr);
    EXPECT_EQ(ui.params.at(0), "a/b.js");
}

TEST(Cidr, ContainsV4V6AndMappedAddresses) {
    auto net = Cidr::parse("10.1.0.0/16");
    ASSERT_TRUE(net);
    EXPECT_TRUE(net->contains("10.1.2.3"));
    EXPECT_TRUE(net->contains("::ffff:10.1.2.3"));
    EXPECT_FALSE(net->contains("10.2.0.1"));
    EXPECT_FALSE(net->contains("not-an-ip"));
    auto v6 = Cidr::parse("2001:db8::/32");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains("2001:db8:1::5"));
    EXPECT_FALSE(v6->contains("2001:db9::1"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
    EXPECT_FALSE(Cidr::parse("banana"));
    EXPECT_TRUE(is_loopback_address("127.0.0.2"));
    EXPECT_TRUE(is_loopback_address("::1"));
    EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
    EXPECT_FALSE(is_loopback_address("10.0.0.1"));
}

}  // namespace
}  // namespace shiplog::http
