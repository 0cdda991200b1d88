// [[notify]] through the real daemon and a local receiver (cpp-httplib on
// 127.0.0.1, an ephemeral port) that counts POSTs per Idempotency-Key:
//  - kill -9 while a POST is in flight (the receiver holds its answer):
//    after the restart every event arrived, under its own key; the one in
//    flight arrived twice with the same key (delivery is at least once: the
//    daemon never saw the 2xx) and every other exactly once, and nothing
//    arrives again after a further restart;
//  - a receiver that answers 500, then 200, gets the message after the
//    backoff, counted in /metrics;
//  - without [[notify]] nothing is queued and no POST is ever tried.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/time_format.hpp"
#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;

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
                m_changed.wait_for(lock, 60s, [this] { return m_released; });
            res.status = n <= m_fail_first ? 500 : 200;
            res.set_content("{}", "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        // The socket listens from bind on; this only keeps stop() from
        // racing the accept loop's start.
        while (!m_server.is_running()) std::this_thread::sleep_for(1ms);
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
        return m_changed.wait_for(lock, 60s, [&] { return done(m_posts); });
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

DaemonOptions notify_options() {
    DaemonOptions o;
    o.extra_toml =
        "[[notify]]\nkind = \"webhook\"\nurl_file = \"notify-url\"\n"
        "events = [\"deploy.succeeded\", \"deploy.failed\", \"deploy.rollback\"]\n";
    return o;
}

std::string now_text(int seconds_ago = 0) {
    return format_rfc3339(system_clock().now() - std::chrono::seconds(seconds_ago));
}

// One push = one deploy of web-api/production, happening now.
void push(DaemonHarness& daemon, int n) {
    auto res = daemon.post_event(push_event("p" + std::to_string(n), n, n - 1, n, {n}, now_text()));
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
}

bool is_deploy_key(const std::string& key) {
    return key.rfind("deploy.succeeded:web-api:production:", 0) == 0;
}

// /metrics value of a sample without labels (-1 when missing).
long metric(DaemonHarness& daemon, const std::string& name) {
    auto res = daemon.client().Get("/metrics");
    if (!res) return -1;
    const std::string needle = "\n" + name + " ";
    auto at = res->body.find(needle);
    if (at == std::string::npos) return -1;
    return std::stol(res->body.substr(at + needle.size()));
}

// Polls /metrics until `name` equals `value` (the daemon is another process:
// there is nothing to wait on but its answers); false after 60 s.
bool wait_metric(DaemonHarness& daemon, const std::string& name, long value) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (metric(daemon, name) == value) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

std::unique_ptr<storage::Store> open_read_only(DaemonHarness& daemon) {
    auto store = storage::Store::open({daemon.store_path(), std::size_t{64} << 20, true});
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
}

TEST(Notify, KillNineMidSendLosesNothingAndRepeatsOnlyTheMessageInFlight) {
    Receiver receiver;
    receiver.hold_first();
    DaemonHarness daemon(notify_options());
    daemon.dir().write("notify-url",
                       "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook\n");
    ASSERT_TRUE(daemon.start());
    for (int n = 1; n <= 3; ++n) push(daemon, n);

    // The first message is at the receiver, unanswered: kill the daemon now.
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() == 1; }));
    daemon.serve().process().send_signal(SIGKILL);
    daemon.serve().process().wait();
    receiver.release();
    const std::string in_flight = receiver.counts().begin()->first;
    EXPECT_TRUE(is_deploy_key(in_flight)) << in_flight;

    ASSERT_TRUE(daemon.start());
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() == 4; }))
        << "not every message arrived after the restart";
    ASSERT_TRUE(wait_metric(daemon, "shiplog_notify_queued", 0));
    auto counts = receiver.counts();
    ASSERT_EQ(counts.size(), 3u) << "one key per event";
    for (const auto& [key, count] : counts) {
        EXPECT_TRUE(is_deploy_key(key)) << key;
        EXPECT_EQ(count, key == in_flight ? 2 : 1) << key;
    }
    // The generic webhook body names the event and carries the deploy.
    const std::string body = receiver.body(in_flight);
    EXPECT_NE(body.find("\"id\":\"" + in_flight + "\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"event\":\"deploy.succeeded\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"deploy\":{"), std::string::npos) << body;
    EXPECT_EQ(daemon.stop(), 0);

    // Nothing is left to send: after one more restart, a new deploy's
    // message is the only one that arrives (the sender goes oldest first).
    ASSERT_TRUE(daemon.start());
    push(daemon, 4);
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() >= 5; }));
    EXPECT_EQ(daemon.stop(), 0);
    auto after = receiver.counts();
    EXPECT_EQ(after.size(), 4u);
    for (const auto& [key, count] : counts) EXPECT_EQ(after[key], count) << key;
    // The webhook URL (a secret) never reaches the log.
    const std::string output = daemon.serve().process().output();
    EXPECT_EQ(output.find(std::to_string(receiver.port()) + "/hook"), std::string::npos) << output;
    EXPECT_NE(output.find("notify webhook (webhook, 127.0.0.1:" + std::to_string(receiver.port()) +
                          "): sent "),
              std::string::npos)
        << output;
}

TEST(Notify, AReceiverThatFailsGetsTheMessageAfterTheBackoff) {
    Receiver receiver;
    receiver.fail_first(1);
    DaemonHarness daemon(notify_options());
    daemon.dir().write("notify-url",
                       "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook\n");
    ASSERT_TRUE(daemon.start());
    const auto started = std::chrono::steady_clock::now();
    push(daemon, 1);
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() == 2; }))
        << "no retry after a 500";
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 9s) << "retried before the backoff";
    ASSERT_TRUE(wait_metric(daemon, "shiplog_notify_sent_total", 1));
    EXPECT_EQ(metric(daemon, "shiplog_notify_failed_total"), 1);
    EXPECT_EQ(metric(daemon, "shiplog_notify_attempts_total"), 2);
    ASSERT_TRUE(wait_metric(daemon, "shiplog_notify_queued", 0));
    EXPECT_EQ(receiver.counts().size(), 1u);
    EXPECT_NE(daemon.serve().process().output().find("not delivered (HTTP 500); retry in 10 s"),
              std::string::npos)
        << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Notify, WithoutANotifyNothingIsQueuedAndNoPostIsTried) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start());
    for (int n = 1; n <= 3; ++n) push(daemon, n);
    auto deploys = daemon.client().Get("/api/v1/deploys");
    ASSERT_TRUE(deploys);
    EXPECT_EQ(count_occurrences(deploys->body, "\"deployment\":\"web-api\""), 3u) << deploys->body;
    EXPECT_EQ(metric(daemon, "shiplog_notify_attempts_total"), 0);
    EXPECT_EQ(metric(daemon, "shiplog_notify_queued"), 0);
    EXPECT_EQ(daemon.stop(), 0);
    auto store = open_read_only(daemon);
    ASSERT_TRUE(store);
    auto outbox = storage::Outbox::open(*store);
    ASSERT_TRUE(outbox);
    auto size =
        storage::read(*store, "outbox", [&](storage::Txn& txn) { return outbox->size(txn); });
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, 0u);
}

}  // namespace
}  // namespace shiplog::testing
