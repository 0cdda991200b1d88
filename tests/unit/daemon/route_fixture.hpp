#pragma once
// Shared by the route tests: the daemon's real parts (LMDB store in a
// TempDir, Projector, JournalWriter, EventIntake) and a way to run a route
// of an http::Router the way the edge does -- match method and path, fill
// the captures, call admit, then the handler -- without any socket.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/metrics.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "support/expect_ok.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "tracking/projector.hpp"
#include "tracking/register_deploy.hpp"

namespace shiplog::daemon::test {

inline http::Request request(std::string method, std::string target,
                             std::vector<std::pair<std::string, std::string>> headers = {},
                             std::string client_address = "127.0.0.1", bool via_proxy = false) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers = std::move(headers);
    req.client_address = std::move(client_address);
    req.via_proxy = via_proxy;
    return req;
}

// What became of one request.
struct Outcome {
    bool routed = false;    // a route matched method and path
    bool refused = false;   // admit answered (the body was never read)
    bool answered = false;  // the handler called Respond (within the wait)
    http::Response response;
};

// Runs `req` through `router` like the edge: admit before the body is
// "read", then the handler. A handler that answers later (from another
// thread) is waited for, up to `wait`.
inline Outcome run(const http::Router& router, http::Request req,
                   std::chrono::milliseconds wait = std::chrono::seconds{10}) {
    Outcome out;
    auto match = router.match(req.method, req.path);
    if (!match.route) return out;
    out.routed = true;
    req.params = match.params;
    if (match.route->admit) {
        if (auto refusal = match.route->admit(req)) {
            out.refused = true;
            out.answered = true;
            out.response = std::move(*refusal);
            return out;
        }
    }
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    auto calls = std::make_shared<std::atomic<int>>(0);
    match.route->handler(req, [promise, calls](http::Response res) {
        if (calls->fetch_add(1) == 0)
            promise->set_value(std::move(res));
        else
            ADD_FAILURE() << "Respond called more than once";
    });
    if (future.wait_for(wait) != std::future_status::ready) return out;
    out.answered = true;
    out.response = future.get();
    return out;
}

inline std::string header_of(const http::Response& res, std::string_view name) {
    for (const auto& [n, v] : res.headers)
        if (n == name) return v;
    return {};
}

inline config::DeploymentConfig manual_deployment(std::string name, std::string environment) {
    config::DeploymentConfig d;
    d.name = std::move(name);
    d.environment = std::move(environment);
    d.project = "Contoso";
    d.repository = "web-api";
    d.trigger = config::Trigger::manual;
    return d;
}

inline std::string sha(unsigned n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "c0ffee%034x", n);
    return buf;
}

// A store with tracking's projector behind a running JournalWriter, as
// `shiplog serve` wires them.
class DaemonParts : public ::testing::Test {
  protected:
    static config::Config base_config() {
        config::Config c;
        c.server.listen_host = "127.0.0.1";
        c.deployments.push_back(manual_deployment("web-api", "production"));
        return c;
    }

    void SetUp() override { start(base_config()); }

    void start(config::Config config, storage::WriterOptions options = {}) {
        m_config.set(std::move(config));
        auto store = storage::Store::open({m_dir.path() / "store", std::size_t{64} << 20, false});
        ASSERT_OK(store);
        m_store = std::move(*store);
        auto projector = tracking::Projector::open(*m_store, [this] { return m_config.get(); });
        ASSERT_OK(projector);
        m_projector = std::move(*projector);
        m_writer =
            storage::JournalWriter::start(*m_store, m_clock, m_projector.get(), std::move(options));
        m_intake = std::make_unique<EventIntake>(*m_writer, m_config, m_clock, &m_metrics);
    }

    void TearDown() override {
        if (m_writer) m_writer->stop();
    }

    // Journals a registration the way the synchronous intake does; returns its seq.
    std::uint64_t registered(const std::string& sha_, const std::string& id) {
        tracking::RegisterDeploy r;
        r.deployment = "web-api";
        r.environment = "production";
        r.sha = sha_;
        r.date = m_clock.now();
        auto stored = m_intake->submit_record(
            id, tracking::k_register_deploy_event_type, tracking::make_register_deploy_record(r),
            storage::EventSource::register_deploy, std::chrono::seconds{10});
        EXPECT_OK(stored);
        return stored ? stored->seq : 0;
    }

    const tracking::Tables& tables() const { return m_projector->tables(); }

    testing::TempDir m_dir;
    testing::ManualClock m_clock{Timestamp{std::chrono::seconds{1'795'168'800}}};
    ConfigHolder m_config{config::Config{}};
    Metrics m_metrics;
    std::unique_ptr<storage::Store> m_store;
    std::unique_ptr<tracking::Projector> m_projector;
    std::unique_ptr<storage::JournalWriter> m_writer;
    std::unique_ptr<EventIntake> m_intake;
};

}  // namespace shiplog::daemon::test
