// The listener and the server's life cycle: bind, accept under the
// connection caps, run the I/O threads, stop.

#include "http/server.hpp"

#include <sys/resource.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "edge.hpp"
#include "tls_context.hpp"

namespace shiplog::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr int k_listen_backlog = 1024;
constexpr auto k_stop_grace = std::chrono::seconds{5};

std::string display_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The peer's address as text; IPv4-mapped IPv6 as plain IPv4.
std::string peer_text(const tcp::endpoint& endpoint) {
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

// Every open connection is a descriptor: make room for max_connections.
void raise_descriptor_limit(std::size_t connections) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t wanted = static_cast<rlim_t>(connections) + 256;
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted)
        spdlog::warn("open-file limit {} is below max_connections + 256 ({}); raise LimitNOFILE",
                     limit.rlim_cur, wanted);
}

class BeastServer final : public Server {
  public:
    BeastServer(ServerOptions options, Router router)
        : m_host(options.host),
          m_io_threads(options.io_threads ? options.io_threads
                                          : std::max(1u, std::thread::hardware_concurrency())),
          m_contexts(make_contexts(m_io_threads)),
          m_acceptor(*m_contexts.front()),
          m_edge(std::make_shared<Edge>(std::move(router), options,
                                        std::max<std::size_t>(1, options.worker_threads))) {
        for (auto& context : m_contexts) m_guards.emplace_back(context->get_executor());
    }

    Status bind(const ServerOptions& options) {
        raise_descriptor_limit(options.limits.max_connections);
        if (options.tls) {
            auto tls = make_tls_context(*options.tls);
            if (!tls) return tl::unexpected(tls.error());
            m_edge->set_tls(std::move(*tls));
        }
        boost::system::error_code ec;
        auto address = net::ip::make_address(options.host, ec);
        if (ec)
            return fail(ErrorCode::config,
                        "cannot listen on " + options.host + ": not an IP address");
        tcp::endpoint endpoint(address, options.port);
        const std::string where = display_host(options.host) + ":" + std::to_string(options.port);
        m_acceptor.open(endpoint.protocol(), ec);
        if (!ec) m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) m_acceptor.bind(endpoint, ec);
        if (!ec) m_acceptor.listen(k_listen_backlog, ec);
        if (ec)
            return fail(ErrorCode::io, "cannot listen on " + where +
                                           " (address in use or not available: " + ec.message() +
                                           ")");
        m_port = m_acceptor.local_endpoint().port();
        return {};
    }

    int port() const override { return m_port; }
    std::string url() const override {
        return std::string(m_edge->tls() ? "https" : "http") + "://" + display_host(m_host) + ":" +
               std::to_string(m_port);
    }

    void run() override {
        accept();
        {
            std::lock_guard lock(m_mutex);
            m_running = true;
        }
        m_cv.notify_all();
        std::vector<std::thread> threads;
        for (std::size_t i = 1; i < m_contexts.size(); ++i)
            threads.emplace_back([this, i] {
                pthread_setname_np(pthread_self(), "shiplog-io");
                m_contexts[i]->run();
            });
        m_contexts.front()->run();
        for (auto& t : threads) t.join();
        m_edge->workers.join();
        {
            std::lock_guard lock(m_mutex);
            m_ended = true;
        }
        m_cv.notify_all();
    }

    void wait_until_running() override {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [this] { return m_running || m_ended; });
    }

    void stop() override {
        net::post(m_acceptor.get_executor(), [this] {
            if (m_edge->stopping.exchange(true)) return;
            boost::system::error_code ignored;
            m_acceptor.close(ignored);
            m_edge->close_all();
            m_stop_deadline = std::chrono::steady_clock::now() + k_stop_grace;
            wait_for_connections();
        });
    }

    Status reload_tls(const TlsFiles& files) override {
        auto tls = make_tls_context(files);
        if (!tls) return tl::unexpected(tls.error());
        m_edge->set_tls(std::move(*tls));
        return {};
    }

    void update(Limits limits) override { m_edge->set_limits(std::move(limits)); }

    Stats stats() const override {
        return Stats{m_edge->open_connections.load(), m_edge->refused_connections.load(),
                     m_edge->timed_out.load()};
    }

  private:
    // Connections are dealt to the I/O threads in turn; each thread runs its
    // own io_context, so a connection's handlers never need a strand and no
    // thread wakes another to run them (context switches are what this kind
    // of machine pays most for).
    void accept() {
        auto& context = *m_contexts[m_next_context++ % m_contexts.size()];
        m_acceptor.async_accept(context, [this](boost::system::error_code ec, tcp::socket socket) {
            on_accept(ec, std::move(socket));
        });
    }

    static std::vector<std::unique_ptr<net::io_context>> make_contexts(std::size_t n) {
        std::vector<std::unique_ptr<net::io_context>> contexts;
        for (std::size_t i = 0; i < n; ++i)
            contexts.push_back(std::make_unique<net::io_context>(1));
        return contexts;
    }

    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (m_edge->stopping.load() || !m_acceptor.is_open()) return;
        if (ec) {
            // Out of descriptors (or another transient error): back off
            // briefly instead of spinning on accept.
            if (!m_accept_error_logged.exchange(true))
                spdlog::warn("http: accept failed: {}", ec.message());
            auto timer = std::make_shared<net::steady_timer>(m_acceptor.get_executor(),
                                                             std::chrono::milliseconds{50});
            timer->async_wait([this, timer](boost::system::error_code) { accept(); });
            return;
        }
        boost::system::error_code ep_ec;
        auto endpoint = socket.remote_endpoint(ep_ec);
        if (!ep_ec) {
            std::string peer = peer_text(endpoint);
            // A trusted proxy carries many clients: the per-address cap
            // would throttle all of them together.
            const bool proxy = contains_any(m_edge->limits()->trusted_proxies, peer);
            if (m_edge->admit(peer, proxy)) {
                socket.set_option(tcp::no_delay(true), ep_ec);
                start_session(m_edge, std::move(socket), std::move(peer), proxy);
            } else {
                m_edge->refused_connections.fetch_add(1, std::memory_order_relaxed);
                socket.close(ep_ec);
            }
        }
        accept();
    }

    // Lets in-flight requests finish (bounded), then ends the I/O loop.
    void wait_for_connections() {
        if (m_edge->open_connections.load() == 0 ||
            std::chrono::steady_clock::now() >= m_stop_deadline) {
            m_guards.clear();
            for (auto& context : m_contexts) context->stop();
            return;
        }
        auto timer = std::make_shared<net::steady_timer>(m_acceptor.get_executor(),
                                                         std::chrono::milliseconds{10});
        timer->async_wait([this, timer](boost::system::error_code) { wait_for_connections(); });
    }

    std::string m_host;
    std::size_t m_io_threads;
    std::vector<std::unique_ptr<net::io_context>> m_contexts;  // one per I/O thread
    std::vector<net::executor_work_guard<net::io_context::executor_type>> m_guards;
    std::size_t m_next_context = 0;  // accept handlers run on the first context only
    tcp::acceptor m_acceptor;
    std::shared_ptr<Edge> m_edge;
    int m_port = 0;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_running = false;
    bool m_ended = false;
    std::atomic<bool> m_accept_error_logged{false};
    std::chrono::steady_clock::time_point m_stop_deadline{};
};

}  // namespace

Result<std::unique_ptr<Server>> Server::create(ServerOptions options, Router router) {
    auto server = std::make_unique<BeastServer>(options, std::move(router));
    if (auto bound = server->bind(options); !bound) return tl::unexpected(bound.error());
    return std::unique_ptr<Server>(std::move(server));
}

}  // namespace shiplog::http
