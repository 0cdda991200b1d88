// Incidents (SPEC §5) and work-item links: blame, tags judged on every
// update, deletion, area-path narrowing, and order independence.
#include "tracking/incident.hpp"
#include "tracking/dora.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::Trigger;

class IncidentTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        auto mobile = deployment("web-api", "mobile", Trigger::push);
        mobile.incident_area_path = "Contoso\\Mobile";
        m_config->deployments.push_back(mobile);
        push(1, at(0), k_zero, sha(1), {{sha(1)}});
        push(2, at(10), sha(1), sha(2), {{sha(2), "fix thing"}});
    }
};

TEST_F(IncidentTest, BlamesTheLatestSucceededDeployAtOrBeforeCreation) {
    WorkItem bug{.id = 501, .created = at(5)};
    work_item("created", bug, at(5));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].failure, Failure::incident);
    EXPECT_EQ(d[0].incidents, std::vector<std::string>{"boards:501"});
    EXPECT_EQ(d[1].failure, Failure::none);
    // Area path narrows: the mobile deployment's area is elsewhere.
    for (const auto& m : deploys("web-api", "mobile")) EXPECT_EQ(m.failure, Failure::none);

    WorkItem at_deploy{.id = 502, .created = at(10)};  // "at or before"
    work_item("created", at_deploy, at(10));
    EXPECT_EQ(deploys()[1].failure, Failure::incident);
}

TEST_F(IncidentTest, IncidentBeforeAnyDeployBlamesNothing) {
    WorkItem bug{.id = 503, .created = at(-30)};
    work_item("created", bug, at(-30));
    for (const auto& d : deploys()) EXPECT_EQ(d.failure, Failure::none);
}

TEST_F(IncidentTest, TagsAreJudgedOnEveryUpdateAndDeletionStopsCounting) {
    WorkItem bug{.id = 504, .tags = "customer", .created = at(5)};
    work_item("created", bug, at(5));
    EXPECT_EQ(deploys()[0].failure, Failure::none);
    bug.rev = 2;
    bug.tags = "customer; Incident";  // case-insensitive
    work_item("updated", bug, at(6));
    EXPECT_EQ(deploys()[0].failure, Failure::incident);
    bug.rev = 3;
    bug.state = "Closed";
    work_item("updated", bug, at(7));
    EXPECT_EQ(deploys()[0].failure, Failure::incident);  // closing restores, it does not un-blame
    work_item("deleted", bug, at(8));
    EXPECT_EQ(deploys()[0].failure, Failure::none);
    work_item("restored", bug, at(9));
    EXPECT_EQ(deploys()[0].failure, Failure::incident);
}

TEST_F(IncidentTest, UpdateBeforeCreateGivesTheSameAnswer) {
    WorkItem bug{.id = 505, .rev = 2, .created = at(5)};
    work_item("updated", bug, at(6));
    EXPECT_EQ(deploys()[0].failure, Failure::incident);
    bug.rev = 1;
    bug.tags = "";
    work_item("created", bug, at(5));  // older revision arriving late changes nothing
    EXPECT_EQ(deploys()[0].failure, Failure::incident);
}

TEST_F(IncidentTest, OtherTypesAndProjectsAreNoIncidents) {
    WorkItem task{.id = 506, .type = "Task", .created = at(5)};
    work_item("created", task, at(5));
    EXPECT_EQ(deploys()[0].failure, Failure::none);
}

TEST_F(IncidentTest, RollbackWinsOverIncident) {
    register_deploy(sha(1), at(20));  // rolls deploy 2 back
    WorkItem bug{.id = 507, .created = at(15)};
    work_item("created", bug, at(15));
    auto d = deploys();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[1].failure, Failure::rollback);
    EXPECT_EQ(d[1].incidents, std::vector<std::string>{"boards:507"});
}

TEST_F(IncidentTest, WorkItemsLinkedToCommitsAppearOnTheDeploy) {
    WorkItem story{.id = 42, .type = "User Story", .tags = "", .linked_commits = {sha(2)}};
    work_item("created", story, at(11));
    auto d = deploys();
    EXPECT_EQ(d[1].work_items, std::vector<std::int64_t>{42});
    EXPECT_TRUE(d[0].work_items.empty());
}

}  // namespace
}  // namespace shiplog::tracking::test

namespace shiplog::tracking::test {
namespace {

// A derivation reads only the incidents created since the deploy before its
// start (tr_wi_created), so the index must find every incident created at or
// after a time, including one whose creation time a later revision moved.
TEST_F(IncidentTest, IncidentsCreatedSinceATimeComeFromTheCreationIndex) {
    work_item("created", WorkItem{.id = 701, .created = at(-30)}, at(-30));
    work_item("created", WorkItem{.id = 702, .created = at(5)}, at(5));
    work_item("created", WorkItem{.id = 703, .created = at(20)}, at(20));
    work_item("created", WorkItem{.id = 704, .type = "Task", .created = at(25)}, at(25));
    WorkItem moved_later{.id = 705, .created = at(1)};
    work_item("created", moved_later, at(1));
    moved_later.rev = 2;
    moved_later.created = at(12);  // a later revision carries another creation time
    work_item("updated", moved_later, at(13));
    WorkItem moved_earlier{.id = 706, .created = at(14)};
    work_item("created", moved_earlier, at(14));
    moved_earlier.rev = 2;
    moved_earlier.created = at(2);
    work_item("updated", moved_earlier, at(15));

    auto ids = [&](std::optional<Timestamp> since) {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto incidents =
            list_incidents(txn, m_projector->tables(), "Contoso", m_config->failures, since);
        EXPECT_OK(incidents);
        std::vector<std::string> out;
        if (incidents)
            for (const auto& i : *incidents) out.push_back(i.id);
        return out;
    };
    EXPECT_EQ(ids(at(10)), (std::vector<std::string>{"boards:703", "boards:705"}));
    EXPECT_EQ(ids(at(5)), (std::vector<std::string>{"boards:702", "boards:703", "boards:705"}));
    EXPECT_EQ(ids(at(30)), std::vector<std::string>{});
    // Without a bound: every incident, as before.
    EXPECT_EQ(ids(std::nullopt), (std::vector<std::string>{"boards:701", "boards:702", "boards:703",
                                                           "boards:705", "boards:706"}));
    // The same answer as the unbounded list filtered by creation time.
    auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
    auto all = list_incidents(txn, m_projector->tables(), "Contoso", m_config->failures);
    ASSERT_OK(all);
    for (int minute = -40; minute <= 30; ++minute) {
        std::vector<std::string> want;
        for (const auto& i : *all)
            if (i.created_at >= at(minute)) want.push_back(i.id);
        EXPECT_EQ(ids(at(minute)), want) << minute;
    }
}

// A work-item event derives from the deploy the incident blames, not from
// the start of the series, so the blamed-incident rows it filed under an
// earlier restore time must still go: once when the incident is reopened
// and closed again, once when it stops being an incident.
TEST_F(IncidentTest, AReopenedIncidentRestoresOnceAtItsLastCloseAndLeavesWhenUntagged) {
    WorkItem bug{.id = 720, .created = at(5)};
    work_item("created", bug, at(5));
    auto revision = [&](int rev, const std::string& state, int minute) {
        WorkItem w = bug;
        w.rev = rev;
        w.state = state;
        w.changed = at(minute);
        return w;
    };
    auto time_to_restore = [&] {
        DoraQuery q;
        q.deployment = "web-api";
        q.environment = "production";
        q.since = at(-1000);
        q.until = at(10'000);
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto f = query_dora(txn, m_projector->tables(), *m_config, q);
        EXPECT_OK(f);
        const std::string json = f ? dora_json(*f) : "";
        const auto start = json.find("\"time_to_restore_seconds\"");
        return start == std::string::npos ? json
                                          : json.substr(start, json.find('}', start) - start);
    };
    work_item("updated", revision(2, "Closed", 20), at(20));
    EXPECT_EQ(time_to_restore(), R"("time_to_restore_seconds":{"median":900,"failures":1)");
    work_item("updated", revision(3, "Active", 30), at(30));
    work_item("updated", revision(4, "Closed", 65), at(65));
    EXPECT_EQ(time_to_restore(), R"("time_to_restore_seconds":{"median":3600,"failures":1)");
    WorkItem untagged = revision(5, "Closed", 70);
    untagged.tags = "customer";
    work_item("updated", untagged, at(70));
    EXPECT_EQ(time_to_restore(), R"("time_to_restore_seconds":{"median":null,"failures":0)");
}

// An incident created long before the derivation's start (so not among the
// incidents it reads for blame) still makes a later fix rework: the commits'
// linked work items are looked up by id.
TEST_F(IncidentTest, AFixForAnIncidentOpenedBeforeEarlierDeploysIsRework) {
    work_item("created", WorkItem{.id = 710, .created = at(5)}, at(5));
    push(3, at(20), sha(2), sha(3), {{sha(3), "unrelated"}});
    push(4, at(30), sha(3), sha(4), {{sha(4), "Fixes AB#710", "a@x", at(25)}});
    auto d = deploys();
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].failure, Failure::incident);
    EXPECT_EQ(d[2].rework, Rework::none);
    EXPECT_EQ(d[3].rework, Rework::incident_fix);
    // Closed before the fix was pushed: no longer open, so not a fix.
    WorkItem closed{.id = 710, .rev = 2, .state = "Closed", .created = at(5), .changed = at(22)};
    work_item("updated", closed, at(22));
    push(5, at(40), sha(4), sha(5), {{sha(5), "Also AB#710", "a@x", at(35)}});
    d = deploys();
    ASSERT_EQ(d.size(), 5u);
    EXPECT_EQ(d[4].rework, Rework::none);
}

TEST_F(IncidentTest, ListIncidentsGivesCreationAndTheLastMoveIntoAClosedState) {
    WorkItem bug{.id = 601, .created = at(5)};
    work_item("created", bug, at(5));
    auto list = [&] {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto incidents = list_incidents(txn, m_projector->tables(), "contoso", m_config->failures);
        EXPECT_OK(incidents);
        return incidents ? *incidents : std::vector<IncidentView>{};
    };
    ASSERT_EQ(list().size(), 1u);
    EXPECT_EQ(list()[0].created_at, at(5));
    EXPECT_FALSE(list()[0].restored_at.has_value());
    // Revisions arrive out of order: closed (rev 2), reopened (3), closed again (4).
    auto revision = [&](int rev, const std::string& state) {
        WorkItem w = bug;
        w.rev = rev;
        w.state = state;
        w.changed = at(rev * 10);
        return w;
    };
    work_item("updated", revision(4, "Done"), at(40));
    work_item("updated", revision(2, "Closed"), at(20));
    EXPECT_EQ(list()[0].restored_at, at(20));  // closed at rev 2 and still at rev 4
    work_item("updated", revision(3, "Active"), at(30));
    ASSERT_EQ(list().size(), 1u);
    EXPECT_EQ(list()[0].state, "Done");
    EXPECT_EQ(list()[0].restored_at, at(40));  // the last move into a closed state
}

}  // namespace
}  // namespace shiplog::tracking::test
