// /readyz after a failed journal sync: the writer then refuses every write
// until a restart (storage/journal_writer.hpp), so the daemon must say it is
// not ready, and why, instead of answering 200 while every webhook gets 503.
// The real HttpServer on 127.0.0.1:0 in this process, over a real LMDB store,
// with the writer's sync replaced by one that fails (WriterOptions::sync).
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/http_server.hpp"
#include "daemon/metrics.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {
namespace {

constexpr const char* k_sync_error = "injected sync failure";

config::Config loopback_config() {
    config::Config c;
    c.server.listen_host = "127.0.0.1";
    c.server.listen_port = 0;  // ephemeral; no [webhook]: loopback clients may post
    return c;
}

class ReadyzSyncFailure : public ::testing::Test {
  protected:
    void SetUp() override {
        auto store = storage::Store::open({m_dir.path() / "store", std::size_t{64} << 20, false});
        ASSERT_TRUE(store) << store.error().message;
        m_store = std::move(*store);
        auto tables = tracking::Tables::open(*m_store);
        ASSERT_TRUE(tables) << tables.error().message;
        m_tables = *tables;

        storage::WriterOptions options;
        options.sync = []() -> Status { return fail(ErrorCode::io, k_sync_error); };
        m_writer = storage::JournalWriter::start(*m_store, m_clock, nullptr, std::move(options));
        m_intake = std::make_unique<EventIntake>(*m_writer, m_config, m_clock, &m_metrics);

        auto server = HttpServer::create(*m_config.get(), {m_config, *m_intake, *m_store, *m_writer,
                                                           m_metrics, m_clock, m_tables,
                                                           /*hooks=*/nullptr});
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_thread = std::thread([this] { m_server->run(); });
        m_server->wait_until_running();
    }

    void TearDown() override {
        if (m_server) m_server->stop();
        if (m_thread.joinable()) m_thread.join();
        if (m_writer) m_writer->stop();
    }

    httplib::Client client() const {
        httplib::Client c("127.0.0.1", m_server->port());
        c.set_connection_timeout(5);
        c.set_read_timeout(15);  // the webhook waits up to 8 s for its commit
        return c;
    }

    testing::TempDir m_dir;
    Clock& m_clock = system_clock();
    ConfigHolder m_config{loopback_config()};
    Metrics m_metrics;
    std::unique_ptr<storage::Store> m_store;
    tracking::Tables m_tables;
    std::unique_ptr<storage::JournalWriter> m_writer;
    std::unique_ptr<EventIntake> m_intake;
    std::unique_ptr<HttpServer> m_server;
    std::thread m_thread;
};

TEST_F(ReadyzSyncFailure, ReadyzIs503NamingTheSyncFailureOnceAWriteFailedToSync) {
    // Healthy before any write: nothing has been synced (or failed) yet.
    auto before = client().Get("/readyz");
    ASSERT_TRUE(before) << httplib::to_string(before.error());
    EXPECT_EQ(before->status, 200) << before->body;

    // One webhook delivery: committed, then its sync fails, so it is refused.
    auto posted = client().Post("/hooks/azure-devops", R"({"id":"e1","eventType":"git.push"})",
                                "application/json");
    ASSERT_TRUE(posted) << httplib::to_string(posted.error());
    EXPECT_EQ(posted->status, 503) << posted->body;

    auto after = client().Get("/readyz");
    ASSERT_TRUE(after) << httplib::to_string(after.error());
    EXPECT_EQ(after->status, 503) << after->body;
    EXPECT_NE(after->body.find("\"status\":\"not ready\""), std::string::npos) << after->body;
    EXPECT_NE(after->body.find("journal sync failed"), std::string::npos) << after->body;
    EXPECT_NE(after->body.find(k_sync_error), std::string::npos) << after->body;
    EXPECT_NE(after->body.find("restarted"), std::string::npos) << after->body;

    // The same decision feeds the shiplog_ready gauge and STATUS= (store_ready).
    auto metrics = client().Get("/metrics");
    ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
    EXPECT_NE(metrics->body.find("\nshiplog_ready 0\n"), std::string::npos) << metrics->body;
    std::string reason;
    EXPECT_FALSE(store_ready(*m_store, *m_intake, reason));
    EXPECT_NE(reason.find(k_sync_error), std::string::npos) << reason;

    // /healthz stays 200: the process is alive, only writes are refused.
    auto health = client().Get("/healthz");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace shiplog::daemon
