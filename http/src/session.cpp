// One connection: read a request under the edge's limits, route it, run its
// handler, write the answer, repeat (keep-alive; pipelined requests are
// answered in order because the next one is read only after the answer).
//
// Every step runs on the connection's strand. A handler may answer from any
// thread: the answer is posted back to the strand.

#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "client_address.hpp"
#include "edge.hpp"

namespace shiplog::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// What a refusal that leaves body bytes unread does before closing: keep
// reading (and dropping) for a while, so the client sees our answer instead
// of a reset caused by unread data in our receive buffer.
constexpr auto k_linger_time = std::chrono::seconds{2};
constexpr std::size_t k_linger_bytes = 64 * 1024 * 1024;
// A JSON parser reads up to this many bytes past the body (simdjson's
// padding), so the body string reserves them and can be parsed in place.
constexpr std::size_t k_body_padding = 64;
// Read-buffer capacity kept between requests; more is returned.
constexpr std::size_t k_kept_buffer_bytes = 16 * 1024;

std::string_view to_std(beast::string_view s) {
    return {s.data(), s.size()};
}

// Exactly-once completion shared by the handler's Respond and the route's
// deadline timer.
struct Completion {
    std::atomic<bool> done{false};
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool k_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  public:
    template <class... StreamArgs>
    Session(std::shared_ptr<Edge> edge, std::string peer, bool peer_is_proxy,
            std::shared_ptr<net::ssl::context> tls, StreamArgs&&... args)
        : m_stream(std::forward<StreamArgs>(args)...),
          m_edge(std::move(edge)),
          m_tls(std::move(tls)),
          m_peer(std::move(peer)),
          m_peer_is_proxy(peer_is_proxy),
          m_limits(m_edge->limits()),
          m_respond_timer(m_stream.get_executor()) {}

    ~Session() {
        m_edge->remove_closer(m_closer_id);
        m_edge->release(m_peer, m_peer_is_proxy);
    }

    void start() {
        std::weak_ptr<Session> weak = this->shared_from_this();
        auto executor = m_stream.get_executor();
        m_closer_id = m_edge->add_closer([weak, executor] {
            net::post(executor, [weak] {
                if (auto self = weak.lock()) self->on_stop();
            });
        });
        // A new connection's first request (and its TLS handshake) must
        // arrive within the request deadline counted from the accept.
        lowest().expires_after(m_limits->request_timeout);
        m_request_started = Clock::now();
        if constexpr (k_tls) {
            m_stream.async_handshake(net::ssl::stream_base::server,
                                     [self = this->shared_from_this()](beast::error_code ec) {
                                         if (ec) return self->drop(ec);
                                         self->m_handshaken = true;
                                         self->read_request();
                                     });
        } else {
            read_request();
        }
    }

  private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    // The server is stopping: an idle connection closes now; one in the
    // middle of a request closes after its answer.
    void on_stop() {
        if (m_state == State::idle || m_state == State::reading) close_now();
        m_close_after_answer = true;
    }

    void read_request() {
        m_state = State::idle;
        if (m_edge->stopping.load() || m_close_after_answer) return close_now();
        m_limits = m_edge->limits();
        if (m_buffer.size() > 0 || m_first_request) {
            // Bytes of the next request are already here (pipelining), or
            // this is the first request: its deadline runs already.
            if (!m_first_request) {
                lowest().expires_after(m_limits->request_timeout);
                m_request_started = Clock::now();
            }
            m_first_request = false;
            return read_header();
        }
        // Keep-alive: wait (briefly) for the first byte of the next request;
        // from that byte on the request deadline runs.
        lowest().expires_after(m_limits->idle_timeout);
        m_stream.async_read_some(
            m_buffer.prepare(k_kept_buffer_bytes),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                if (ec) return self->drop(ec);
                self->m_buffer.commit(n);
                self->lowest().expires_after(self->m_limits->request_timeout);
                self->m_request_started = Clock::now();
                self->read_header();
            });
    }

    void read_header() {
        m_state = State::reading;
        m_header.emplace();
        m_header->header_limit(static_cast<std::uint32_t>(m_limits->max_header_bytes));
        // The body cap depends on the route, known only after the headers:
        // on_header checks a declared length itself.
        m_header->body_limit(std::numeric_limits<std::uint64_t>::max());
        bhttp::async_read_header(m_stream, m_buffer, *m_header,
                                 [self = this->shared_from_this()](
                                     beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec == bhttp::error::header_limit) return refuse(431, "request headers too large", true);
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
            return refuse(400, "malformed request: " + ec.message(), true);
        if (ec) return drop(ec);

        const auto& h = m_header->get();
        Request req;
        req.method = std::string(h.method_string());
        req.target = std::string(h.target());
        auto q = req.target.find('?');
        req.path = req.target.substr(0, q);
        if (q != std::string::npos) req.query = req.target.substr(q + 1);
        std::size_t fields = 0, content_lengths = 0, transfer_encodings = 0;
        std::string_view transfer_encoding;
        std::vector<std::string_view> forwarded_for;
        for (const auto& field : h) {
            if (++fields > m_limits->max_headers)
                return refuse(431, "too many request headers", true);
            const std::string_view name = to_std(field.name_string());
            const std::string_view value = to_std(field.value());
            if (field.name() == bhttp::field::content_length) ++content_lengths;
            if (field.name() == bhttp::field::transfer_encoding) {
                ++transfer_encodings;
                transfer_encoding = value;
            }
            if (beast::iequals(field.name_string(), "X-Forwarded-For"))
                forwarded_for.push_back(value);
            req.headers.emplace_back(std::string(name), std::string(value));
        }
        // Framing that front ends could read differently (RFC 9112 §6.1,
        // §6.3): both Content-Length and Transfer-Encoding, repeated framing
        // headers, or a transfer coding other than chunked.
        if (content_lengths > 1 || transfer_encodings > 1 ||
            (content_lengths == 1 && transfer_encodings == 1) ||
            (transfer_encodings == 1 &&
             !beast::iequals(beast::string_view(transfer_encoding.data(), transfer_encoding.size()),
                             "chunked")))
            return refuse(400, "ambiguous request framing (Content-Length / Transfer-Encoding)",
                          true);
        if (req.path.empty() || req.path[0] != '/')
            return refuse(400, "malformed request target", true);
        req.client_address =
            client_address(m_peer, forwarded_for, m_limits->trusted_proxies, req.via_proxy);
        m_keep_alive = h.keep_alive();
        m_log_method = req.method;
        m_log_path = req.path;

        const bool body_pending = m_header->chunked() || m_header->content_length().value_or(0) > 0;
        auto match = m_edge->router.match(req.method, req.path);
        if (!match.route) {
            return match.path_known ? refuse(405, "method not allowed", body_pending)
                                    : refuse(404, "not found", body_pending);
        }
        m_route = match.route;
        req.params = std::move(match.params);
        if (m_route->secret_last_segment)
            m_log_path = req.path.substr(0, req.path.find_last_of('/') + 1) + "***";
        if (m_route->admit) {
            if (auto refusal = m_route->admit(req)) {
                refusal->close = refusal->close || body_pending;
                if (refusal->log_outcome.empty()) refusal->log_outcome = "rejected";
                return send(std::move(*refusal));
            }
        }
        const std::size_t limit =
            m_route->max_body_bytes ? m_route->max_body_bytes : m_limits->small_body_bytes;
        if (m_header->content_length().value_or(0) > limit)
            return refuse(413, "request body too large", true);
        m_request = std::make_shared<Request>(std::move(req));
        if (!body_pending) return dispatch();
        if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
            m_continue.emplace(bhttp::status::continue_, 11);
            return bhttp::async_write(
                m_stream, *m_continue,
                [self = this->shared_from_this(), limit](beast::error_code write_ec, std::size_t) {
                    if (write_ec) return self->drop(write_ec);
                    self->read_body(limit);
                });
        }
        read_body(limit);
    }

    void read_body(std::size_t limit) {
        m_body.emplace(std::move(*m_header));
        m_header.reset();
        m_body->body_limit(limit);
        bhttp::async_read(m_stream, m_buffer, *m_body,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_body(ec);
                          });
    }

    void on_body(beast::error_code ec) {
        if (ec == bhttp::error::body_limit) return refuse(413, "request body too large", true);
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
            return refuse(400, "malformed request body", true);
        if (ec) return drop(ec);
        std::string& body = m_body->get().body();
        body.reserve(body.size() + k_body_padding);
        m_request->body = std::move(body);
        m_body.reset();
        dispatch();
    }

    void dispatch() {
        m_state = State::handling;
        // Nothing is read while the handler works; the connection's own
        // timer is off until the answer is written.
        lowest().expires_never();
        auto completion = std::make_shared<Completion>();
        auto self = this->shared_from_this();
        Respond respond = [self, completion](Response res) {
            if (completion->done.exchange(true)) return;
            net::post(self->m_stream.get_executor(), [self, res = std::move(res)]() mutable {
                self->m_respond_timer.cancel();
                self->send(std::move(res));
            });
        };
        const auto within =
            m_route->respond_within.count() > 0
                ? m_route->respond_within
                : std::chrono::duration_cast<std::chrono::milliseconds>(m_limits->request_timeout);
        m_respond_timer.expires_after(within);
        m_respond_timer.async_wait([self, completion](beast::error_code ec) {
            if (ec || completion->done.exchange(true)) return;
            // Never 500 to Azure DevOps: a 503 is retried, anything else
            // puts the subscription on probation.
            Response res = json_error(503, "not completed in time; retry later");
            res.log_outcome = "unavailable";
            self->send(std::move(res));
        });
        auto run = [route = m_route, request = m_request, respond]() mutable {
            try {
                route->handler(*request, respond);
            } catch (const std::exception&) {
                Response res = json_error(503, "internal error; retry later");
                res.log_outcome = "unavailable";
                respond(std::move(res));
            }
        };
        if (m_route->execution == Execution::inline_io ||
            m_request->body.size() < m_route->inline_below)
            run();
        else
            net::post(m_edge->workers, std::move(run));
    }

    void refuse(int status, const std::string& message, bool close) {
        Response res = json_error(status, message);
        res.close = close;
        res.log_outcome = "rejected";
        if (m_log_path.empty() && m_header) {
            m_log_method = std::string(m_header->get().method_string());
            m_log_path =
                std::string(m_header->get().target().substr(0, m_header->get().target().find('?')));
        }
        send(std::move(res));
    }

    void send(Response res) {
        m_state = State::writing;
        m_close_after_write =
            res.close || !m_keep_alive || m_close_after_answer || m_edge->stopping.load();
        log(res);
        m_response.emplace();
        auto& r = *m_response;
        r.version(11);
        r.result(static_cast<unsigned>(res.status));
        if (!res.content_type.empty()) r.set(bhttp::field::content_type, res.content_type);
        for (auto& [name, value] : res.headers) r.set(name, value);
        r.body() = std::move(res.body);
        r.keep_alive(!m_close_after_write);
        r.prepare_payload();
        // A client that does not read its answer is cut off like a slow sender.
        lowest().expires_after(m_limits->request_timeout);
        bhttp::async_write(m_stream, r,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_written(ec);
                           });
    }

    void on_written(beast::error_code ec) {
        if (ec) return drop(ec);
        m_response.reset();
        m_request.reset();
        m_route = nullptr;
        m_log_method.clear();
        m_log_path.clear();
        if (m_close_after_write) return close_gracefully();
        // Memory is bounded per connection and returned after each request,
        // whatever its size.
        if (m_buffer.size() == 0 && m_buffer.capacity() > k_kept_buffer_bytes)
            m_buffer.shrink_to_fit();
        read_request();
    }

    void log(const Response& res) {
        const auto elapsed = Clock::now() - m_request_started;
        if (m_edge->on_request)
            m_edge->on_request(
                RequestRecord{m_log_method, m_log_path, res.status,
                              std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)});
        // Every request-controlled field is escaped: no client can forge or
        // split a log line. Path only, never the query string or headers.
        spdlog::info("{} {} {} {:.1f}ms{}{}{}{}{}{}", log_escape(m_log_method, 16),
                     log_escape(m_log_path), res.status,
                     std::chrono::duration<double, std::milli>(elapsed).count(),
                     res.log_event_id.empty() ? "" : " event=", log_escape(res.log_event_id),
                     res.log_outcome.empty() ? "" : " outcome=", res.log_outcome,
                     res.log_reason.empty() ? "" : " reason=\"",
                     res.log_reason.empty() ? "" : log_escape(res.log_reason) + "\"");
    }

    // Closing with unread request bytes in our receive buffer makes the
    // kernel reset the connection, and the client may lose our answer; so
    // stop sending, then drain (bounded in time and bytes) until the
    // client closes.
    void close_gracefully() {
        m_state = State::closing;
        if constexpr (k_tls) {
            lowest().expires_after(std::chrono::seconds{1});
            m_stream.async_shutdown(
                [self = this->shared_from_this()](beast::error_code) { self->close_now(); });
        } else {
            beast::error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
            lowest().expires_after(k_linger_time);
            m_buffer.consume(m_buffer.size());
            linger();
        }
    }

    void linger() {
        m_stream.async_read_some(
            m_buffer.prepare(16 * 1024),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                self->m_lingered += n;
                if (ec || self->m_lingered > k_linger_bytes) return self->close_now();
                self->linger();
            });
    }

    void drop(beast::error_code ec) {
        if (ec == beast::error::timeout) m_edge->timed_out.fetch_add(1, std::memory_order_relaxed);
        close_now();
    }

    void close_now() {
        m_state = State::closing;
        m_respond_timer.cancel();
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
    }

    enum class State { idle, reading, handling, writing, closing };

    Stream m_stream;
    beast::flat_buffer m_buffer;
    std::shared_ptr<Edge> m_edge;
    std::shared_ptr<net::ssl::context> m_tls;  // outlives the stream that uses it
    std::string m_peer;
    bool m_peer_is_proxy = false;
    std::shared_ptr<const Limits> m_limits;
    net::steady_timer m_respond_timer;
    std::uint64_t m_closer_id = 0;

    State m_state = State::idle;
    bool m_first_request = true;
    bool m_handshaken = false;
    bool m_keep_alive = true;
    bool m_close_after_answer = false;  // the server is stopping
    bool m_close_after_write = false;
    std::size_t m_lingered = 0;
    Clock::time_point m_request_started{};
    std::optional<bhttp::request_parser<bhttp::empty_body>> m_header;
    std::optional<bhttp::request_parser<bhttp::string_body>> m_body;
    std::optional<bhttp::response<bhttp::empty_body>> m_continue;
    std::optional<bhttp::response<bhttp::string_body>> m_response;
    std::shared_ptr<Request> m_request;
    const Route* m_route = nullptr;
    std::string m_log_method;
    std::string m_log_path;
};

}  // namespace

void start_session(std::shared_ptr<Edge> edge, tcp::socket socket, std::string peer,
                   bool via_trusted_proxy) {
    // The socket belongs to one I/O thread's context; the session starts
    // there, so every one of its handlers runs on that thread alone.
    auto executor = socket.get_executor();
    if (auto tls = edge->tls()) {
        auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            edge, std::move(peer), via_trusted_proxy, tls, std::move(socket), *tls);
        net::post(executor, [session] { session->start(); });
    } else {
        auto session = std::make_shared<Session<beast::tcp_stream>>(
            edge, std::move(peer), via_trusted_proxy, nullptr, std::move(socket));
        net::post(executor, [session] { session->start(); });
    }
}

}  // namespace shiplog::http
