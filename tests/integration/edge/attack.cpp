#include "attack.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "support/process.hpp"

namespace shiplog::testing::edge {

namespace {

std::size_t status_field_kib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
    return 0;
}

std::string base64(const std::string& in) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = 0;
    for (unsigned char c : in) {
        value = (value << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += k[(value >> bits) & 63];
        }
    }
    if (bits > 0) out += k[(value << (6 - bits)) & 63];
    while (out.size() % 4) out += '=';
    return out;
}

int nonblocking_connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count();
}

}  // namespace

std::size_t rss_bytes(pid_t pid) {
    return status_field_kib(pid, "VmRSS") * 1024;
}

std::size_t peak_rss_bytes(pid_t pid) {
    return status_field_kib(pid, "VmHWM") * 1024;
}

void expect_healthz_ok(const DaemonHarness& daemon) {
    auto health = daemon.client().Get("/healthz");
    ASSERT_TRUE(health) << "the daemon stopped answering";
    EXPECT_EQ(health->status, 200);
}

std::string basic_auth_header() {
    return "Authorization: Basic " +
           base64(std::string(k_webhook_user) + ":" + k_webhook_password) + "\r\n";
}

std::string webhook_request(const std::string& body, bool keep_alive) {
    return "POST /hooks/azure-devops HTTP/1.1\r\nHost: x\r\n" + basic_auth_header() +
           (keep_alive ? "" : "Connection: close\r\n") +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

int connect_from(const std::string& source, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// --- SlowConnections -------------------------------------------------------

SlowConnections::SlowConnections(Options options) : m_options(std::move(options)) {
    m_thread = std::thread([this] { run(); });
}

SlowConnections::~SlowConnections() {
    stop();
}

void SlowConnections::stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
}

void SlowConnections::run() {
    struct Conn {
        int fd = -1;
        Clock::time_point opened;
        Clock::time_point next_send;
        std::size_t sent = 0;
    };
    std::vector<Conn> conns(static_cast<std::size_t>(m_options.count));
    const bool trickles = m_options.interval.count() > 0;
    auto open = [&](Conn& c) {
        c.fd = nonblocking_connect(m_options.port);
        c.opened = Clock::now();
        c.next_send = c.opened;
        c.sent = 0;
        if (c.fd < 0) {
            ++m_connect_failures;
            return;
        }
        ++m_opened;
        ++m_open;
    };
    auto drop = [&](Conn& c, bool by_server) {
        auto age = ms_since(c.opened);
        if (by_server) {
            ++m_closed;
            long long longest = m_longest_close_ms.load();
            while (age > longest && !m_longest_close_ms.compare_exchange_weak(longest, age)) {
            }
        }
        if (age > m_options.close_within.count()) ++m_violations;
        ::close(c.fd);
        c.fd = -1;
        --m_open;
    };
    for (auto& c : conns) open(c);

    std::vector<pollfd> fds;
    std::vector<Conn*> owners;
    char buf[4096];
    while (!m_stop) {
        fds.clear();
        owners.clear();
        for (auto& c : conns) {
            if (c.fd < 0) {
                open(c);  // reopened as soon as closed
                if (c.fd < 0) continue;
            }
            fds.push_back({c.fd, POLLIN | POLLRDHUP, 0});
            owners.push_back(&c);
        }
        int ready = ::poll(fds.data(), fds.size(), 50);
        if (ready < 0 && errno != EINTR) break;
        auto now = Clock::now();
        for (std::size_t i = 0; i < fds.size(); ++i) {
            Conn& c = *owners[i];
            bool closed = false;
            if (fds[i].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) {
                // A response (e.g. 408) may come first; the close is what counts.
                for (;;) {
                    ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
                    if (n > 0) continue;
                    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
                    closed = true;  // EOF, reset, or the connect was refused
                    break;
                }
            }
            if (!closed && trickles && now >= c.next_send) {
                char byte = c.sent < m_options.trickle.size() ? m_options.trickle[c.sent] : 'a';
                ssize_t n = ::send(c.fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n == 1) {
                    ++c.sent;
                    c.next_send = now + m_options.interval;
                } else if (n < 0 && errno != EAGAIN && errno != EINPROGRESS && errno != ENOTCONN) {
                    closed = true;
                }
            }
            if (closed) {
                drop(c, true);
            } else if (now - c.opened > m_options.close_within) {
                drop(c, false);  // held too long: a violation; the attack goes on
            }
        }
    }
    for (auto& c : conns)
        if (c.fd >= 0) {
            ::close(c.fd);
            --m_open;
        }
}

// --- legitimate deliveries --------------------------------------------------

Delivery deliver_webhook(int port, const std::string& event_id, bool tls, milliseconds timeout) {
    Delivery d;
    auto started = Clock::now();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    auto post = [&](auto& client) {
        client.set_connection_timeout(static_cast<time_t>(seconds));
        client.set_read_timeout(static_cast<time_t>(seconds));
        client.set_write_timeout(static_cast<time_t>(seconds));
        client.set_keep_alive(false);
        client.set_basic_auth(k_webhook_user, k_webhook_password);
        auto res =
            client.Post("/hooks/azure-devops", make_push_event(event_id), "application/json");
        if (res)
            d.status = res->status;
        else
            d.error = httplib::to_string(res.error());
    };
    if (tls) {
        httplib::SSLClient client("127.0.0.1", port);
        client.enable_server_certificate_verification(false);
        post(client);
    } else {
        httplib::Client client("127.0.0.1", port);
        post(client);
    }
    d.took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    return d;
}

std::vector<Delivery> deliver_repeatedly(int port, bool tls, const std::string& id_prefix,
                                         std::chrono::seconds duration, milliseconds every) {
    std::vector<Delivery> out;
    auto end = Clock::now() + duration;
    auto next = Clock::now();
    for (int i = 0; Clock::now() < end; ++i) {
        out.push_back(deliver_webhook(port, id_prefix + std::to_string(i), tls));
        next += every;
        // Pacing the legitimate client, not waiting for a result.
        if (next > Clock::now()) std::this_thread::sleep_until(next);
    }
    return out;
}

// --- streamed bodies ----------------------------------------------------------

StreamResult stream_request(int port, const std::string& head, std::size_t body_bytes,
                            const std::function<std::string()>& next_piece, milliseconds deadline) {
    StreamResult r;
    int fd = nonblocking_connect(port);
    if (fd < 0) return r;
    auto end = Clock::now() + deadline;
    std::string pending = head;
    std::size_t head_left = head.size();
    Clock::time_point head_sent{};
    bool all_sent = false;
    char buf[65536];
    while (!r.closed && Clock::now() < end) {
        if (pending.empty() && !all_sent) {
            if (r.body_sent >= body_bytes)
                all_sent = true;
            else
                pending = next_piece();
        }
        pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP | (pending.empty() ? 0 : POLLOUT)), 0};
        auto left = std::chrono::duration_cast<milliseconds>(end - Clock::now()).count();
        int ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        if (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) {
            ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                if (r.first_answer_after_head.count() < 0)
                    r.first_answer_after_head =
                        head_left == 0
                            ? std::chrono::duration_cast<milliseconds>(Clock::now() - head_sent)
                            : milliseconds{0};
                r.answer.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                r.closed = true;
                break;
            }
        }
        if ((p.revents & POLLOUT) && !pending.empty()) {
            ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                // Reset or closed: read what the server said before it went.
                pending.clear();
                all_sent = true;
                continue;
            }
            auto sent = static_cast<std::size_t>(n);
            pending.erase(0, sent);
            if (head_left > 0) {
                auto of_head = std::min(head_left, sent);
                head_left -= of_head;
                sent -= of_head;
                if (head_left == 0) head_sent = Clock::now();
            }
            r.body_sent += sent;
        }
    }
    ::close(fd);
    return r;
}

std::string chunk_of(std::size_t size) {
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    return line + std::string(size, 'x') + "\r\n";
}

bool has_raw_control_byte(const std::string& output, std::string* where) {
    for (std::size_t i = 0; i < output.size(); ++i) {
        auto c = static_cast<unsigned char>(output[i]);
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            if (where) {
                auto start = output.rfind('\n', i);
                start = start == std::string::npos ? 0 : start + 1;
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02x", c);
                *where = std::string("byte ") + hex + " in line: " +
                         output.substr(start, std::min<std::size_t>(200, output.size() - start));
            }
            return true;
        }
    }
    return false;
}

bool make_self_signed_cert(const TempDir& dir) {
    auto r = run_command(
        "/bin/sh", {"-c",
                    "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                    "-keyout '" +
                        (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() +
                        "' </dev/null && chmod 600 '" + (dir / "key.pem").string() + "'"});
    if (r.exit_code != 0) ADD_FAILURE() << "openssl req failed: " << r.err;
    return r.exit_code == 0;
}

bool s_client_handshake(int port, const std::string& flags, std::string& output) {
    auto r = run_command(
        "/bin/sh", {"-c", "timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                              " " + flags + " </dev/null 2>&1"});
    output = r.out + r.err;
    return r.exit_code == 0;
}

}  // namespace shiplog::testing::edge
