#pragma once
// The fake Teams/Slack/webhook endpoint of the notification tests:
// cpp-httplib on 127.0.0.1 (an ephemeral port) that counts POSTs per
// Idempotency-Key and can hold its first answer or fail the first ones.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shiplog::testing {

// The fake Teams/Slack/webhook endpoint.
class Receiver {
  public:
    Receiver() {
        m_server.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(m_mutex);
            const std::string key = req.get_header_value("Idempotency-Key");
            m_posts.push_back(key);
            m_bodies[key] = req.body;
            const int n = ++m_count[key];
            m_changed.notify_all();
            if (m_hold_first && m_posts.size() == 1)
                m_changed.wait_for(lock, std::chrono::seconds{60}, [this] { return m_released; });
            res.status = n <= m_fail_first ? 500 : 200;
            res.set_content("{}", "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        // The socket listens from bind on; this only keeps stop() from
        // racing the accept loop's start.
        while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    ~Receiver() {
        release();
        m_server.stop();
        m_thread.join();
    }

    int port() const { return m_port; }
    void hold_first() { m_hold_first = true; }
    void fail_first(int n) { m_fail_first = n; }
    void release() {
        std::lock_guard lock(m_mutex);
        m_released = true;
        m_changed.notify_all();
    }

    // Waits until `done(posts in arrival order)` holds; false after 60 s.
    template <class F>
    bool wait(F done) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::seconds{60}, [&] { return done(m_posts); });
    }
    std::map<std::string, int> counts() {
        std::lock_guard lock(m_mutex);
        return m_count;
    }
    std::string body(const std::string& key) {
        std::lock_guard lock(m_mutex);
        return m_bodies[key];
    }

  private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<std::string> m_posts;  // keys, in arrival order
    std::map<std::string, int> m_count;
    std::map<std::string, std::string> m_bodies;
    bool m_hold_first = false;
    bool m_released = false;
    int m_fail_first = 0;
};

}  // namespace shiplog::testing
