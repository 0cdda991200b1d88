// reindex: a rebuild from the journal equals live ingestion, byte for byte.
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::Trigger;

TEST_F(TrackingTest, ReindexGivesByteIdenticalDeploys) {
    auto build_deployment = deployment("web-api", "staging", Trigger::build);
    build_deployment.pipeline = "web-api-ci";
    m_config->deployments.push_back(build_deployment);
    push(1, at(0), k_zero, sha(1), {{sha(1), "init #1"}});
    build(100, sha(1), "succeeded", at(1));
    push(3, at(4), sha(2), sha(3), {{sha(3)}});
    build(102, sha(3), "succeeded", at(5));
    push(2, at(2), sha(1), sha(2), {{sha(2), "AB#2 fix"}});
    build(101, sha(2), "failed", at(3));
    register_deploy(sha(1), at(6));
    WorkItem bug{.id = 9, .created = at(2)};
    work_item("created", bug, at(2));
    deliver("git.push", "{\"id\":\"junk\",\"eventType\":\"git.push\",\"resource\":{}}");

    const std::string live = all_json();
    ASSERT_NE(live, "[]");
    ASSERT_OK(reindex(*m_store, *m_config));
    EXPECT_EQ(all_json(), live);
    ASSERT_OK(reindex(*m_store, *m_config));  // twice changes nothing
    EXPECT_EQ(all_json(), live);
}

TEST_F(TrackingTest, ReindexPicksUpADeploymentAddedLater) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    EXPECT_TRUE(deploys("web-api", "staging").empty());
    m_config->deployments.push_back(deployment("web-api", "staging", Trigger::push));
    ASSERT_OK(reindex(*m_store, *m_config));
    EXPECT_EQ(deploys("web-api", "staging").size(), 1u);
}

TEST_F(TrackingTest, ReindexRefusesAReadOnlyStore) {
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    m_projector.reset();
    m_store.reset();
    auto store = storage::Store::open({m_dir / "store", std::size_t{256} << 20, true});
    ASSERT_OK(store);
    EXPECT_FALSE(reindex(**store, *m_config).has_value());
    auto tables = Tables::open(**store);
    ASSERT_OK(tables);
    auto txn = lmdb::txn::begin((*store)->env().handle(), nullptr, MDB_RDONLY);
    auto listed = list_deploys(txn, *tables, {});
    ASSERT_OK(listed);
    EXPECT_EQ(listed->size(), 1u);
}

}  // namespace
}  // namespace shiplog::tracking::test
