// Raw bytes from an anonymous client through the edge: parsing, routing,
// limits and admission, with a real http::Server on 127.0.0.1 (started once
// per process) and routes shaped like the daemon's. Each input is written to
// a fresh connection, which is then half-closed; the server must answer (or
// close) within its request deadline, every answer must be well-formed
// HTTP/1.1, and afterwards GET /healthz on a new connection must get 200.
// Invariant broken => abort (libFuzzer reports it; the replay test fails).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/json.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace {

using namespace std::chrono_literals;
using shiplog::http::Request;
using shiplog::http::Respond;
using shiplog::http::Response;

// Longer than the server's request deadline (1 s): a connection still open
// after this means a deadline did not fire.
constexpr auto k_answer_deadline = 4s;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "edge_fuzzer: %s\n", what);
    std::abort();
}

shiplog::http::Router make_router() {
    shiplog::http::Router router;
    // Like POST /hooks/azure-devops: a large cap, an admission check before
    // the body, the answer from the I/O thread once "committed".
    shiplog::http::Route hook;
    hook.method = "POST";
    hook.pattern = "/hooks/azure-devops";
    hook.max_body_bytes = 256 * 1024;
    hook.admit = [](const Request& req) -> std::optional<Response> {
        if (req.header("Authorization") != "Basic dTpw")  // u:p
            return shiplog::http::json_error(401, "unauthorized");
        return std::nullopt;
    };
    hook.execution = shiplog::http::Execution::inline_io;
    hook.respond_within = 2000ms;
    hook.handler = [](Request& req, Respond respond) {
        respond(shiplog::http::json(R"({"status":"stored","bytes":)" +
                                    std::to_string(req.body.size()) + "}"));
    };
    router.add(std::move(hook));

    shiplog::http::Route health;
    health.method = "GET";
    health.pattern = "/healthz";
    health.execution = shiplog::http::Execution::inline_io;
    health.handler = [](Request&, Respond respond) {
        respond(shiplog::http::json(R"({"status":"ok"})"));
    };
    router.add(std::move(health));

    // A pattern route on the worker pool, echoing its capture and a query parameter.
    shiplog::http::Route deploy;
    deploy.method = "GET";
    deploy.pattern = "/api/v1/deploys/{}";
    deploy.handler = shiplog::http::sync([](const Request& req) {
        auto limit = req.query_param("limit");
        return shiplog::http::json(R"({"id":")" + shiplog::json::escape(req.params.at(0)) +
                                   R"(","limit":")" + shiplog::json::escape(limit.value_or("")) +
                                   "\"}");
    });
    router.add(std::move(deploy));

    shiplog::http::Route registration;
    registration.method = "POST";
    registration.pattern = "/api/1/deployments/{}/{}/register_deploy";
    registration.max_body_bytes = 16 * 1024;
    registration.handler = shiplog::http::sync([](const Request& req) {
        return shiplog::http::json(R"({"bytes":)" + std::to_string(req.body.size()) + "}");
    });
    router.add(std::move(registration));
    return router;
}

// The server lives for the whole process (never destroyed: libFuzzer exits
// with exit(), and a server stopping under a running fuzz loop helps nobody).
int server_port() {
    static int port = [] {
        shiplog::http::ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.io_threads = 2;
        options.worker_threads = 2;
        options.limits.request_timeout = 1s;
        options.limits.idle_timeout = 1s;
        auto server = shiplog::http::Server::create(std::move(options), make_router());
        if (!server) {
            std::fprintf(stderr, "edge_fuzzer: %s\n", server.error().message.c_str());
            fail("cannot start the server");
        }
        static shiplog::http::Server* s = server->release();  // reachable: not a leak
        std::thread([] { s->run(); }).detach();
        s->wait_until_running();
        return s->port();
    }();
    return port;
}

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail("the server refused a connection");
    return fd;
}

// Writes `bytes` (as much as the server takes: it may close early on a
// refusal), half-closes, and reads until EOF; aborts past the deadline.
std::string exchange(int port, std::string_view bytes) {
    int fd = connect_to(port);
    auto deadline = std::chrono::steady_clock::now() + k_answer_deadline;
    std::size_t sent = 0;
    bool write_open = true;
    std::string answer;
    char buf[16384];
    for (;;) {
        if (write_open && sent == bytes.size()) {
            ::shutdown(fd, SHUT_WR);
            write_open = false;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) fail("the server neither answered nor closed within its deadline");
        pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
        int ready = ::poll(&p, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                answer.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;  // EOF or reset
        }
        if (write_open && (p.revents & POLLOUT)) {
            ssize_t n =
                ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                write_open = false;  // the server closed its side: read what it said
            }
        }
    }
    ::close(fd);
    return answer;
}

// Every response in `answer` starts "HTTP/1.1 NNN " with 100 <= NNN <= 599.
// Only the first is checked strictly: bodies may contain anything.
void check_answer(const std::string& answer) {
    if (answer.empty()) return;  // closed without a word (e.g. garbage before a request line)
    if (answer.size() < 13 || answer.compare(0, 9, "HTTP/1.1 ") != 0)
        fail("an answer that does not start with \"HTTP/1.1 \"");
    int status = (answer[9] - '0') * 100 + (answer[10] - '0') * 10 + (answer[11] - '0');
    if (status < 100 || status > 599 || answer[12] != ' ') fail("an answer with a bad status line");
    // 501 (unknown transfer coding) and 505 (version) are the client's doing too.
    if (status >= 500 && status != 501 && status != 503 && status != 505)
        fail("a 5xx the client cannot cause (500, 502, 504...)");
    if (answer.find("\r\n\r\n") == std::string::npos) fail("an answer without the end of its head");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    int port = server_port();
    check_answer(exchange(port, std::string_view(reinterpret_cast<const char*>(data), size)));
    // Still alive and answering.
    auto health = exchange(port, "GET /healthz HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n");
    if (health.compare(0, 13, "HTTP/1.1 200 ") != 0) fail("GET /healthz did not get 200");
    return 0;
}
