#pragma once
// Tools for the hostile-client suite (ctest label "hostile"): many slow or
// idle connections driven by one poll() loop, bodies streamed while the
// answer is read, the daemon's RSS, one timed legitimate webhook. Every wait
// is bounded by a deadline; the only timed waits pace an attack.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "../daemon_harness.hpp"

// Under AddressSanitizer the daemon keeps freed memory in quarantine and
// shadow memory on top: RSS bounds are measured and printed, not asserted.
#if defined(__SANITIZE_ADDRESS__)
#define SHIPLOG_EDGE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHIPLOG_EDGE_ASAN 1
#endif
#endif

namespace shiplog::testing::edge {

// The latency bounds (2 s for a webhook under attack, 1 s for a refusal) are
// for the product build; the Debug+ASan tree (scripts/test --sanitize) runs
// several times slower, so they double there.
#ifdef SHIPLOG_EDGE_ASAN
inline constexpr bool k_rss_bounds_apply = false;
inline constexpr int k_latency_factor = 2;
#else
inline constexpr bool k_rss_bounds_apply = true;
inline constexpr int k_latency_factor = 1;
#endif

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// VmRSS / VmHWM of `pid` in bytes (0 when unreadable).
std::size_t rss_bytes(pid_t pid);
std::size_t peak_rss_bytes(pid_t pid);

// GET /healthz on a new connection answers 200 (the daemon survived).
void expect_healthz_ok(const DaemonHarness& daemon);

// Basic credentials for the harness's [webhook] section.
std::string basic_auth_header();

// A complete POST /hooks/azure-devops request for `body`.
std::string webhook_request(const std::string& body, bool keep_alive = true);

// Connects to 127.0.0.1:port from `source` (another loopback address works
// too, e.g. "127.0.0.2"); blocking, -1 on failure.
int connect_from(const std::string& source, int port);

// Holds `count` connections open against the daemon from a background
// thread. Each one sends `trickle` one byte every `interval` (interval 0:
// sends nothing at all, an idle connection); when the server closes one, it
// is reopened at once (the attack goes on). A connection the server keeps
// longer than `close_within` after it was opened is a violation (counted,
// then dropped and reopened).
class SlowConnections {
  public:
    struct Options {
        int port = 0;
        int count = 200;
        std::string trickle;  // bytes sent one at a time; 'a' once exhausted
        milliseconds interval{2000};
        milliseconds close_within{12000};
    };

    explicit SlowConnections(Options options);
    ~SlowConnections();  // stops and closes everything
    SlowConnections(const SlowConnections&) = delete;
    SlowConnections& operator=(const SlowConnections&) = delete;

    void stop();

    int open_now() const { return m_open.load(); }
    int opened_total() const { return m_opened.load(); }
    int closed_by_server() const { return m_closed.load(); }
    int violations() const { return m_violations.load(); }
    long long longest_close_ms() const { return m_longest_close_ms.load(); }
    int connect_failures() const { return m_connect_failures.load(); }

  private:
    void run();

    Options m_options;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_open{0}, m_opened{0}, m_closed{0}, m_violations{0}, m_connect_failures{0};
    std::atomic<long long> m_longest_close_ms{0};
    std::thread m_thread;
};

// One legitimate webhook on a new connection, timed.
struct Delivery {
    int status = 0;  // 0: no answer
    milliseconds took{0};
    std::string error;
};
Delivery deliver_webhook(int port, const std::string& event_id, bool tls,
                         milliseconds timeout = milliseconds{5000});

// Delivers a webhook every `every` for `duration` (a new connection each
// time); returns the deliveries.
std::vector<Delivery> deliver_repeatedly(int port, bool tls, const std::string& id_prefix,
                                         std::chrono::seconds duration, milliseconds every);

// Sends `head` and then `body_bytes` more bytes produced by `next_piece`
// (called for each piece to send) while reading whatever the server answers,
// until the server closed the connection, everything was sent and the answer
// ended, or `deadline` passed.
struct StreamResult {
    std::string answer;
    std::size_t body_sent = 0;                 // bytes after the head that the kernel took
    bool closed = false;                       // EOF or reset seen
    milliseconds first_answer_after_head{-1};  // -1: no answer
};
StreamResult stream_request(int port, const std::string& head, std::size_t body_bytes,
                            const std::function<std::string()>& next_piece, milliseconds deadline);

// A chunked-encoding piece: one chunk of `size` bytes of 'x'.
std::string chunk_of(std::size_t size);

// True when `output` holds a byte below 0x20 other than '\n', or DEL.
bool has_raw_control_byte(const std::string& output, std::string* where = nullptr);

// Writes cert.pem / key.pem (self-signed, CN=127.0.0.1) into `dir`.
bool make_self_signed_cert(const TempDir& dir);

// Runs `openssl s_client` against 127.0.0.1:port with `flags`; true when the
// handshake completed. `output` gets what it printed.
bool s_client_handshake(int port, const std::string& flags, std::string& output);

}  // namespace shiplog::testing::edge
