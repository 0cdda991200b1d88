// Incidents from [[incident_source]]s (register_impact, Azure Monitor):
// they blame, restore and count exactly as an Azure Boards incident with
// the same times does, whatever order their transitions arrive in; and
// environment drift between two environments of a deployment.
#include <filesystem>

#include "tracking/dora.hpp"
#include "tracking/drift.hpp"
#include "tracking/impact.hpp"
#include "tracking/incident.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::IncidentSourceKind;
using handlers::ImpactType;

class IncidentSourceTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        m_config->incident_sources.push_back(
            {"pager", IncidentSourceKind::api, "web-api", "production"});
        m_config->incident_sources.push_back(
            {"alerts", IncidentSourceKind::azure_monitor, "web-api", "production"});
    }

    // Three deploys at 0, 10 and 100 minutes.
    void history() {
        push(1, at(0), k_zero, sha(1), {{sha(1)}});
        push(2, at(10), sha(1), sha(2), {{sha(2)}});
        push(3, at(100), sha(2), sha(3), {{sha(3)}});
    }

    // A fresh, empty store (same config).
    void restart_empty() {
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();
    }

    std::uint64_t impact(IncidentSourceKind kind, ImpactType type, const std::string& id,
                         Timestamp date, std::optional<Timestamp> opened_at = {},
                         std::string event_id = {}) {
        ImpactRecord r;
        r.source = kind == IncidentSourceKind::api ? "pager" : "alerts";
        r.kind = kind;
        r.type = type;
        r.external_id = id;
        r.date = date;
        r.opened_at = opened_at;
        r.title = "checkout is down";
        return deliver(std::string(k_impact_event_type), make_impact_record(r), std::nullopt,
                       storage::EventSource::register_deploy, std::move(event_id));
    }

    std::string figures() {
        DoraQuery q;
        q.deployment = "web-api";
        q.environment = "production";
        q.since = at(-1000);
        q.until = at(10'000);
        q.explain = false;
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto f = query_dora(txn, m_projector->tables(), *m_config, q);
        EXPECT_OK(f);
        return f ? dora_json(*f) : "";
    }

    std::vector<Failure> failures() {
        std::vector<Failure> out;
        for (const auto& d : deploys()) out.push_back(d.failure);
        return out;
    }

    std::vector<IncidentView> all_incidents() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto found = list_all_incidents(txn, m_projector->tables(), *m_config);
        EXPECT_OK(found);
        return found ? *found : std::vector<IncidentView>{};
    }
};

TEST_F(IncidentSourceTest, ApiAndMonitorIncidentsCountExactlyAsABoardsIncident) {
    // Azure Boards: a Bug tagged incident created at 15 min, closed at 75 min.
    history();
    work_item("created", WorkItem{.id = 701, .state = "Active", .created = at(15)}, at(15));
    work_item(
        "updated",
        WorkItem{.id = 701, .rev = 2, .state = "Closed", .created = at(15), .changed = at(75)},
        at(75));
    const std::string boards = figures();
    const auto boards_failures = failures();
    EXPECT_EQ(boards_failures,
              (std::vector<Failure>{Failure::none, Failure::incident, Failure::none}));
    EXPECT_NE(boards.find("\"change_failure_rate\":0.3333"), std::string::npos) << boards;
    EXPECT_NE(boards.find("\"time_to_restore_seconds\":{\"median\":3600,\"failures\":1}"),
              std::string::npos)
        << boards;

    // register_impact: triggered at 15, resolved at 75.
    restart_empty();
    history();
    impact(IncidentSourceKind::api, ImpactType::triggered, "INC-1", at(15));
    EXPECT_EQ(failures()[1], Failure::incident);
    EXPECT_EQ(deploys()[1].incidents, std::vector<std::string>{"api:pager:INC-1"});
    impact(IncidentSourceKind::api, ImpactType::resolved, "INC-1", at(75));
    EXPECT_EQ(figures(), boards);
    EXPECT_EQ(failures(), boards_failures);

    // Azure Monitor: Fired at 15, Resolved at 75 (which also says when it fired).
    restart_empty();
    history();
    impact(IncidentSourceKind::azure_monitor, ImpactType::triggered, "a1b2", at(15));
    impact(IncidentSourceKind::azure_monitor, ImpactType::resolved, "a1b2", at(75), at(15));
    EXPECT_EQ(figures(), boards);
    EXPECT_EQ(failures(), boards_failures);
    EXPECT_EQ(deploys()[1].incidents, std::vector<std::string>{"monitor:alerts:a1b2"});

    // A Resolved whose Fired never arrived still opens at firedDateTime.
    restart_empty();
    history();
    impact(IncidentSourceKind::azure_monitor, ImpactType::resolved, "a1b2", at(75), at(15));
    EXPECT_EQ(figures(), boards);
}

TEST_F(IncidentSourceTest, OrderDoesNotMatterAndATransitionCountsOnce) {
    history();
    impact(IncidentSourceKind::api, ImpactType::triggered, "INC-1", at(15));
    impact(IncidentSourceKind::api, ImpactType::resolved, "INC-1", at(75));
    const std::string in_order = figures();

    restart_empty();
    // The resolve first, then the trigger, then the deploys; the trigger
    // again under another event id (a second journal entry, the same fact).
    impact(IncidentSourceKind::api, ImpactType::resolved, "INC-1", at(75));
    impact(IncidentSourceKind::api, ImpactType::triggered, "INC-1", at(15));
    impact(IncidentSourceKind::api, ImpactType::triggered, "INC-1", at(15));
    history();
    EXPECT_EQ(figures(), in_order);
    auto incidents = all_incidents();
    ASSERT_EQ(incidents.size(), 1u);
    EXPECT_EQ(incidents[0].id, "api:pager:INC-1");
    EXPECT_EQ(incidents[0].source, "pager");
    EXPECT_EQ(incidents[0].title, "checkout is down");
    EXPECT_EQ(incidents[0].created_at, at(15));
    EXPECT_EQ(incidents[0].restored_at, at(75));
}

TEST_F(IncidentSourceTest, ReopenedIsOpenUntilTheLastResolve) {
    history();
    impact(IncidentSourceKind::api, ImpactType::triggered, "INC-2", at(15));
    impact(IncidentSourceKind::api, ImpactType::resolved, "INC-2", at(30));
    impact(IncidentSourceKind::api, ImpactType::reopened, "INC-2", at(40));
    auto open = all_incidents();
    ASSERT_EQ(open.size(), 1u);
    EXPECT_FALSE(open[0].restored_at);
    impact(IncidentSourceKind::api, ImpactType::resolved, "INC-2", at(135));
    auto closed = all_incidents();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].restored_at, at(135));
    EXPECT_NE(figures().find("\"time_to_restore_seconds\":{\"median\":7200,\"failures\":1}"),
              std::string::npos);
}

TEST_F(IncidentSourceTest, ResolvedOrReopenedOfAnUnknownIncidentOpensNothing) {
    history();
    impact(IncidentSourceKind::api, ImpactType::resolved, "nope", at(20));
    impact(IncidentSourceKind::api, ImpactType::reopened, "nope", at(30));
    EXPECT_TRUE(all_incidents().empty());
    EXPECT_EQ(failures(), (std::vector<Failure>{Failure::none, Failure::none, Failure::none}));
}

TEST_F(IncidentSourceTest, AnUnconfiguredSourceBlamesNothingUntilConfiguredAndReindexed) {
    history();
    ImpactRecord r;
    r.source = "elsewhere";
    r.kind = IncidentSourceKind::api;
    r.type = ImpactType::triggered;
    r.external_id = "X";
    r.date = at(15);
    deliver(std::string(k_impact_event_type), make_impact_record(r), std::nullopt,
            storage::EventSource::register_deploy);
    EXPECT_EQ(failures()[1], Failure::none);
    m_config->incident_sources.push_back(
        {"elsewhere", IncidentSourceKind::api, "web-api", "production"});
    m_projector.reset();
    ASSERT_OK(reindex(*m_store, *m_config));
    reopen();
    EXPECT_EQ(failures()[1], Failure::incident);
    EXPECT_EQ(deploys()[1].incidents, std::vector<std::string>{"api:elsewhere:X"});
}

TEST(ImpactRecordTest, RoundTripsWithTheOriginalBodyEmbedded) {
    ImpactRecord r;
    r.source = "alerts";
    r.kind = IncidentSourceKind::azure_monitor;
    r.type = ImpactType::resolved;
    r.external_id = "id \"quoted\"";
    r.date = Timestamp{std::chrono::nanoseconds{1'795'168'800'123'456'789}};
    r.opened_at = at(3);
    r.url = "https://example.com/a";
    r.title = "t";
    const std::string raw = make_impact_record(r, R"({"schemaId":"x","data":{}})");
    auto back = parse_impact_record(raw);
    ASSERT_OK(back);
    EXPECT_EQ(*back, r);
    EXPECT_FALSE(parse_impact_record(R"({"source":"a"})"));
}

// Drift: staging leads production by known commits.
class DriftTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        m_config->deployments.clear();
        m_config->deployments.push_back(deployment("web-api", "staging", config::Trigger::manual));
        m_config->deployments.push_back(
            deployment("web-api", "production", config::Trigger::manual));
        reopen();
        for (int n = 1; n <= 5; ++n)
            push(n, at(n), n == 1 ? k_zero : sha(n - 1), sha(n),
                 {{sha(n), "change " + std::to_string(n), "dev@example.com", at(n - 10)}});
    }

    Drift drift(const std::string& from, const std::string& to, Timestamp now) {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto d = query_drift(txn, m_projector->tables(), *m_config, "web-api", from, to, now);
        EXPECT_OK(d);
        return d ? *d : Drift{};
    }
};

TEST_F(DriftTest, CommitsInStagingNotYetInProductionOldestFirst) {
    register_deploy(sha(1), at(10), DeployStatus::succeeded, "web-api", "production");
    register_deploy(sha(1), at(11), DeployStatus::succeeded, "web-api", "staging");
    register_deploy(sha(3), at(20), DeployStatus::succeeded, "web-api", "staging");
    register_deploy(sha(2), at(30), DeployStatus::succeeded, "web-api", "production");
    register_deploy(sha(5), at(40), DeployStatus::succeeded, "web-api", "staging");
    // A failed staging deploy ships nothing that runs there.
    register_deploy(sha(4), at(45), DeployStatus::failed, "web-api", "staging");

    auto d = drift("staging", "production", at(100));
    EXPECT_EQ(d.from_sha, sha(5));
    EXPECT_EQ(d.to_sha, sha(2));
    std::vector<std::string> shas;
    std::vector<std::int64_t> waits;
    for (const auto& c : d.commits) {
        shas.push_back(c.commit.sha);
        waits.push_back(c.waiting_seconds);
    }
    EXPECT_EQ(shas, (std::vector<std::string>{sha(3), sha(4), sha(5)}));
    EXPECT_EQ(waits, (std::vector<std::int64_t>{80 * 60, 60 * 60, 60 * 60}));
    const std::string json = drift_json(d);
    EXPECT_NE(json.find("\"from_sha\":\"" + sha(5) + "\",\"to_sha\":\"" + sha(2) + "\""),
              std::string::npos)
        << json;

    // Production catches up: no drift; production ahead: none either.
    register_deploy(sha(5), at(50), DeployStatus::succeeded, "web-api", "production");
    EXPECT_TRUE(drift("staging", "production", at(100)).commits.empty());
    EXPECT_EQ(drift("production", "staging", at(100)).commits.size(), 0u);
}

}  // namespace
}  // namespace shiplog::tracking::test
