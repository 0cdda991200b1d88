#pragma once
// State shared by the listener and every session of one server: the router,
// the limits in force, the TLS context, the worker pool, the connection
// counts. Private to http/src.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/router.hpp"
#include "http/server.hpp"

namespace shiplog::http {

class Edge {
  public:
    Edge(Router routes, ServerOptions options, std::size_t worker_threads)
        : router(std::move(routes)),
          on_request(std::move(options.on_request)),
          workers(worker_threads),
          m_limits(std::make_shared<const Limits>(std::move(options.limits))) {}

    const Router router;
    const std::function<void(const RequestRecord&)> on_request;
    boost::asio::thread_pool workers;
    std::atomic<bool> stopping{false};

    std::atomic<std::uint64_t> open_connections{0};
    std::atomic<std::uint64_t> refused_connections{0};
    std::atomic<std::uint64_t> timed_out{0};

    std::shared_ptr<const Limits> limits() const { return m_limits.load(); }
    void set_limits(Limits limits) {
        m_limits.store(std::make_shared<const Limits>(std::move(limits)));
    }

    std::shared_ptr<boost::asio::ssl::context> tls() const { return m_tls.load(); }
    void set_tls(std::shared_ptr<boost::asio::ssl::context> ctx) { m_tls.store(std::move(ctx)); }

    // Connection caps at accept. True: admitted (release() when it closes).
    bool admit(const std::string& peer, bool exempt_from_per_ip) {
        const auto& l = *limits();
        std::lock_guard lock(m_mutex);
        if (m_total >= l.max_connections) return false;
        if (!exempt_from_per_ip) {
            auto& n = m_per_ip[peer];
            if (n >= l.max_connections_per_ip) {
                if (n == 0) m_per_ip.erase(peer);
                return false;
            }
            ++n;
        }
        ++m_total;
        open_connections.store(m_total, std::memory_order_relaxed);
        return true;
    }
    void release(const std::string& peer, bool exempt_from_per_ip) {
        std::lock_guard lock(m_mutex);
        --m_total;
        open_connections.store(m_total, std::memory_order_relaxed);
        if (exempt_from_per_ip) return;
        auto it = m_per_ip.find(peer);
        if (it != m_per_ip.end() && --it->second == 0) m_per_ip.erase(it);
    }

    // Sessions register a closer so stop() can end idle keep-alive
    // connections (a session in the middle of a request finishes it first).
    std::uint64_t add_closer(std::function<void()> closer) {
        std::lock_guard lock(m_mutex);
        auto id = ++m_next_session;
        m_closers.emplace(id, std::move(closer));
        return id;
    }
    void remove_closer(std::uint64_t id) {
        std::lock_guard lock(m_mutex);
        m_closers.erase(id);
    }
    void close_all() {
        std::unordered_map<std::uint64_t, std::function<void()>> closers;
        {
            std::lock_guard lock(m_mutex);
            closers = m_closers;
        }
        for (auto& [id, closer] : closers) closer();
    }

  private:
    std::atomic<std::shared_ptr<const Limits>> m_limits;
    std::atomic<std::shared_ptr<boost::asio::ssl::context>> m_tls;
    std::mutex m_mutex;
    std::size_t m_total = 0;
    std::unordered_map<std::string, std::size_t> m_per_ip;
    std::uint64_t m_next_session = 0;
    std::unordered_map<std::uint64_t, std::function<void()>> m_closers;
};

// Starts serving an accepted connection (TLS when the edge has a context).
void start_session(std::shared_ptr<Edge> edge, boost::asio::ip::tcp::socket socket,
                   std::string peer, bool via_trusted_proxy);

}  // namespace shiplog::http
