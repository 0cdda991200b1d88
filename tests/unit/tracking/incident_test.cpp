// Incidents (SPEC §5) and work-item links: blame, tags judged on every
// update, deletion, area-path narrowing, and order independence.
#include "tracking/incident.hpp"
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
