#pragma once
// The internet-facing HTTP/1.1 server (Boost.Beast on Boost.Asio; Beast
// stays inside http/src). Event-driven: a few I/O threads run every
// connection; no thread waits for a slow client or for a commit.
//
// Limits are enforced before anything is buffered: a whole-request
// deadline from the first byte (TLS handshake, headers, body), an idle
// keep-alive timeout, header size/count caps, per-route body caps,
// connection caps at accept. Pipelined requests are answered in order.
//
// Threading: create() and run() on one thread; stop(), reload_tls() and
// update() from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cidr.hpp"
#include "common/error.hpp"
#include "common/log_line.hpp"
#include "http/router.hpp"

namespace shiplog::http {

// What the edge tells its owner about each finished request (metrics).
struct RequestRecord {
    std::string_view method;
    std::string_view path;
    int status = 0;
    std::chrono::nanoseconds elapsed{0};
};

// Limits that a reload may change (new connections and requests see them).
struct Limits {
    std::chrono::seconds request_timeout{10};  // whole request from its first byte
    std::chrono::seconds idle_timeout{5};      // keep-alive wait for the next request
    std::size_t max_connections = 4096;
    std::size_t max_connections_per_ip = 64;   // per TCP peer (a trusted proxy is exempt)
    std::size_t max_header_bytes = 16 * 1024;  // request line and headers together
    std::size_t max_headers = 100;
    std::size_t small_body_bytes = 8 * 1024;  // routes without their own cap
    std::vector<Cidr> trusted_proxies;
};

struct TlsFiles {
    std::filesystem::path certificate;  // PEM chain
    std::filesystem::path private_key;  // PEM
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: an ephemeral port
    std::optional<TlsFiles> tls;
    std::size_t io_threads = 0;      // 0: the number of cores
    std::size_t worker_threads = 4;  // Execution::worker routes
    Limits limits;
    // Called once per answered request, on an I/O thread.
    std::function<void(const RequestRecord&)> on_request;
};

class Server {
  public:
    virtual ~Server() = default;

    // Binds the listener (and loads the TLS files). A clear error when the
    // address is in use or the certificate/key cannot be used.
    static Result<std::unique_ptr<Server>> create(ServerOptions options, Router router);

    virtual int port() const = 0;
    virtual std::string url() const = 0;  // e.g. "https://127.0.0.1:8443"

    // Serves until stop(); in-flight requests get their answers (up to a few
    // seconds) before it returns.
    virtual void run() = 0;
    // Blocks until run() is accepting (or has ended).
    virtual void wait_until_running() = 0;
    virtual void stop() = 0;

    // Loads the certificate and key again (SIGHUP); new connections use them.
    // On failure the old ones stay in force.
    virtual Status reload_tls(const TlsFiles& files) = 0;
    // New limits for new connections and requests.
    virtual void update(Limits limits) = 0;

    struct Stats {
        std::uint64_t open_connections = 0;
        std::uint64_t refused_connections = 0;  // over max_connections(_per_ip)
        std::uint64_t timed_out = 0;            // request deadline or idle timeout
    };
    virtual Stats stats() const = 0;
};

// Escapes request-controlled text for one log line: control bytes, DEL,
// backslash and double quote as \xNN / \\ / \"; bytes >= 0x80 pass through
// only as valid UTF-8, else \xNN. At most `max` input bytes (then "...").
inline std::string log_escape(std::string_view text, std::size_t max = 256) {
    return quoted_field(text, max);
}

}  // namespace shiplog::http
