// reindex: a rebuild from the journal equals live ingestion, byte for byte.
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::Trigger;

// Every row of a table, keys and values, for byte comparisons.
std::string table_bytes(storage::Store& store, MDB_dbi dbi) {
    auto txn = lmdb::txn::begin(store.env().handle(), nullptr, MDB_RDONLY);
    auto cursor = lmdb::cursor::open(txn, dbi);
    std::string out;
    MDB_val k{}, v{};
    while (::mdb_cursor_get(cursor.handle(), &k, &v, MDB_NEXT) == MDB_SUCCESS) {
        out.append(static_cast<const char*>(k.mv_data), k.mv_size).push_back('=');
        out.append(static_cast<const char*>(v.mv_data), v.mv_size).push_back('\n');
    }
    return out;
}

// Push events cut long comments short (commentTruncated); a later delivery
// listing the commit with its whole message replaces the stored one, which
// keeps its place (first_seq, first_index). Reindex queues commits and writes
// them sorted at the end: it must fold them the same way.
TEST_F(TrackingTest, ReindexKeepsTheFullMessageOfACommitFirstSeenTruncated) {
    push(1, at(0), k_zero, sha(1), {{.sha = sha(1), .message = "Fix the lo", .truncated = true}});
    push(2, at(1), k_zero, sha(1), {{.sha = sha(1), .message = "Fix the login AB#7"}},
         "refs/heads/feature");
    push(3, at(2), sha(1), sha(2), {{.sha = sha(2), .message = "next", .truncated = true}});
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    ASSERT_EQ(d[0].commits.size(), 1u);
    EXPECT_EQ(d[0].commits[0].summary, "Fix the login AB#7");
    EXPECT_EQ(d[0].work_items, (std::vector<std::int64_t>{7}));
    ASSERT_EQ(d[1].commits.size(), 1u);
    EXPECT_EQ(d[1].commits[0].summary, "next");

    const auto& t = m_projector->tables();
    const std::string live = all_json();
    const std::string commits = table_bytes(*m_store, t.commits);
    const std::string shipped = table_bytes(*m_store, t.shipped);
    const std::string links = table_bytes(*m_store, t.ref_links);
    ASSERT_FALSE(shipped.empty());
    for (std::size_t run_bytes : {k_reindex_sort_run_bytes, std::size_t{1}}) {
        SCOPED_TRACE("sort run bytes " + std::to_string(run_bytes));
        ASSERT_OK(reindex(*m_store, *m_config, {}, k_reindex_derive_chunk, run_bytes));
        EXPECT_EQ(all_json(), live);
        EXPECT_EQ(table_bytes(*m_store, t.commits), commits);
        EXPECT_EQ(table_bytes(*m_store, t.shipped), shipped);
        EXPECT_EQ(table_bytes(*m_store, t.ref_links), links);
    }
}

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
