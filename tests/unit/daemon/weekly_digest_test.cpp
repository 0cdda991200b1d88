// digest.weekly: ISO weeks, when a week's digest is due, and the digest
// queued through the real store, writer and DORA queries: once per target
// and week (also after a restart), its windows fixed by the schedule, its
// figures the metrics query's and its changes their differences.
#include "workers/notify/weekly_digest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/time_format.hpp"
#include "route_fixture.hpp"
#include "storage/outbox.hpp"
#include "tracking/dora.hpp"

namespace shiplog::daemon {
namespace {

using namespace std::chrono_literals;

Timestamp at(const char* rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    EXPECT_TRUE(t) << rfc3339;
    return t ? *t : Timestamp{};
}

TEST(IsoWeek, FollowsIso8601AcrossYearEnds) {
    EXPECT_EQ(iso_week_of(at("2026-12-06T23:59:59Z")), "2026-W49");  // a Sunday
    EXPECT_EQ(iso_week_of(at("2026-12-07T00:00:00Z")), "2026-W50");  // the next Monday
    EXPECT_EQ(iso_week_of(at("2026-12-31T12:00:00Z")), "2026-W53");  // 2026 has 53 weeks
    EXPECT_EQ(iso_week_of(at("2027-01-03T12:00:00Z")), "2026-W53");
    EXPECT_EQ(iso_week_of(at("2027-01-04T00:00:00Z")), "2027-W01");
    EXPECT_EQ(iso_week_of(at("2024-12-30T08:00:00Z")), "2025-W01");  // Monday in week 1 of 2025
    EXPECT_EQ(iso_week_of(at("2021-01-01T08:00:00Z")), "2020-W53");
}

TEST(DigestDue, FromTheScheduledTimeToTheEndOfTheWeek) {
    const int monday = 0, nine = 9 * 60;
    EXPECT_FALSE(digest_due(at("2026-11-30T08:59:59Z"), monday, nine));
    auto due = digest_due(at("2026-11-30T09:00:00Z"), monday, nine);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->iso_week, "2026-W49");
    EXPECT_EQ(format_rfc3339(due->scheduled), "2026-11-30T09:00:00Z");
    // Still that week's digest on Sunday evening (a daemon down on Monday).
    auto late = digest_due(at("2026-12-06T23:00:00Z"), monday, nine);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->scheduled, due->scheduled);
    // Friday 17:30: not due on Thursday, due on Saturday.
    EXPECT_FALSE(digest_due(at("2026-12-03T20:00:00Z"), 4, 17 * 60 + 30));
    auto friday = digest_due(at("2026-12-05T01:00:00Z"), 4, 17 * 60 + 30);
    ASSERT_TRUE(friday);
    EXPECT_EQ(format_rfc3339(friday->scheduled), "2026-12-04T17:30:00Z");
}

class WeeklyDigestTest : public test::DaemonParts {
  protected:
    void SetUp() override {
        auto config = base_config();
        config::NotifyConfig n;
        n.name = "ops";
        n.kind = config::NotifyKind::webhook;
        n.events = {"digest.weekly"};
        config.notify.push_back(n);
        config::NotifyConfig quiet = n;
        quiet.name = "quiet";
        quiet.events = {"incident.opened"};
        config.notify.push_back(quiet);
        start(config);
        auto outbox = storage::Outbox::open(*m_store);
        ASSERT_OK(outbox);
        m_outbox = *outbox;
    }

    void deploy(const char* when, unsigned n,
                tracking::DeployStatus status = tracking::DeployStatus::succeeded) {
        m_clock.set(at(when));
        tracking::RegisterDeploy r;
        r.deployment = "web-api";
        r.environment = "production";
        r.sha = test::sha(n);
        r.date = m_clock.now();
        r.status = status;
        auto stored = m_intake->submit_record(
            "reg-" + std::to_string(n), tracking::k_register_deploy_event_type,
            tracking::make_register_deploy_record(r), storage::EventSource::register_deploy, 10s);
        ASSERT_OK(stored);
    }

    std::vector<storage::OutboxRow> queued() {
        auto rows = storage::read(*m_store, "outbox",
                                  [&](storage::Txn& txn) { return m_outbox.pending(txn, 100); });
        EXPECT_OK(rows);
        return rows ? *rows : std::vector<storage::OutboxRow>{};
    }

    std::unique_ptr<WeeklyDigest> digest() {
        WeeklyDigest::Options options;
        options.start_thread = false;
        return std::make_unique<WeeklyDigest>(
            *m_store, *m_writer, m_outbox, tables(), [this] { return m_config.get(); }, m_clock,
            nullptr, options);
    }

    std::string metrics_json(const char* since, const char* until) {
        tracking::DoraQuery q;
        q.deployment = "web-api";
        q.since = at(since);
        q.until = at(until);
        q.explain = false;
        auto figures = storage::read(*m_store, "dora", [&](storage::Txn& txn) {
            return tracking::query_dora(txn, tables(), *m_config.get(), q);
        });
        EXPECT_OK(figures);
        return figures ? tracking::dora_json(*figures) : "";
    }

    storage::Outbox m_outbox;
};

TEST_F(WeeklyDigestTest, QueuedOncePerWeekWithTheWindowsOfTheSchedule) {
    // Previous week [11-16 09:00, 11-23 09:00): one deploy. This week
    // [11-23 09:00, 11-30 09:00): a failure restored 2 h later, and two more.
    deploy("2026-11-18T10:00:00Z", 1);
    deploy("2026-11-24T10:00:00Z", 2, tracking::DeployStatus::failed);
    deploy("2026-11-24T12:00:00Z", 3);
    deploy("2026-11-26T12:00:00Z", 4);
    deploy("2026-11-30T08:00:00Z", 5);
    deploy("2026-11-30T10:00:00Z", 6);  // after the schedule: next week's

    auto worker = digest();
    m_clock.set(at("2026-11-30T08:59:00Z"));
    worker->check();
    EXPECT_TRUE(queued().empty()) << "queued before the scheduled time";

    m_clock.set(at("2026-11-30T14:00:00Z"));  // late: the daemon was down at 09:00
    worker->check();
    auto rows = queued();
    ASSERT_EQ(rows.size(), 1u) << "one digest, only for the target that lists the event";
    const auto& m = rows[0].message;
    EXPECT_EQ(m.event_id, "digest.weekly:ops:2026-W49");
    EXPECT_EQ(m.target, "ops");
    EXPECT_EQ(format_rfc3339(m.occurred_at), "2026-11-30T09:00:00Z");
    const std::string current = metrics_json("2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z");
    const std::string previous = metrics_json("2026-11-16T09:00:00Z", "2026-11-23T09:00:00Z");
    EXPECT_NE(m.subject.find("\"current\":" + current), std::string::npos) << m.subject;
    EXPECT_NE(m.subject.find("\"previous\":" + previous), std::string::npos) << m.subject;
    EXPECT_NE(current.find("\"deploys\":3,"), std::string::npos) << current;
    EXPECT_NE(current.find("\"change_failure_rate\":0.25"), std::string::npos) << current;
    EXPECT_NE(current.find("\"time_to_restore_seconds\":{\"median\":7200,"), std::string::npos)
        << current;
    // 3 - 1 deploys, 3/7 - 1/7 a day, CFR 0.25 - 0, restore 7200 s vs none.
    EXPECT_NE(m.subject.find("\"change\":{\"deploys\":2,\"deploys_per_day\":0.2857,"
                             "\"lead_time_median_seconds\":null,\"change_failure_rate\":0.25,"
                             "\"time_to_restore_median_seconds\":null}"),
              std::string::npos)
        << m.subject;
    EXPECT_NE(
        m.subject.find("\"week\":\"2026-W49\",\"since\":\"2026-11-23T09:00:00Z\",\"until\":"
                       "\"2026-11-30T09:00:00Z\",\"previous_since\":\"2026-11-16T09:00:00Z\""),
        std::string::npos)
        << m.subject;
    EXPECT_NE(m.summary.find("web-api: 3 deploys (+2)"), std::string::npos) << m.summary;
    EXPECT_NE(m.summary.find("change failure rate 25% (+25 pts)"), std::string::npos) << m.summary;

    // Later the same week, and after a "restart" (a new worker): nothing more.
    m_clock.set(at("2026-12-06T23:00:00Z"));
    worker->check();
    digest()->check();
    EXPECT_EQ(queued().size(), 1u);

    // The next week has its own.
    m_clock.set(at("2026-12-07T09:00:00Z"));
    digest()->check();
    rows = queued();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].message.event_id, "digest.weekly:ops:2026-W50");
}

}  // namespace
}  // namespace shiplog::daemon
