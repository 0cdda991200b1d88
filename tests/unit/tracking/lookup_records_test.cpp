// The REST work queue's answers as journal records (lookup_records.hpp):
// applied as facts, they complete what the deploys waited for, remove the
// answered queue item, and reindex reproduces the same projections.
#include "tracking/lookup_records.hpp"
#include "tracking/register_deploy.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using config::Trigger;

class LookupRecordsTest : public TrackingTest {
  protected:
    std::uint64_t answer(std::string_view type, const std::string& raw, const std::string& key) {
        return deliver(std::string(type), raw, std::nullopt, storage::EventSource::backfill,
                       std::string(type) == std::string(k_lookup_failed_event_type)
                           ? lookup_failed_event_id(key)
                           : lookup_event_id(key));
    }
    // A stage deployment (web-api-cd, stage Production) and run `run_id`'s
    // completed stage, which names no sha: the deploy waits for a build
    // look-up.
    void deliver_stage_without_sha(int run_id) {
        m_config->deployments = {deployment("web-api", "production", Trigger::stage)};
        m_config->deployments[0].pipeline = "web-api-cd";
        m_config->deployments[0].stage = "Production";
        const std::string type = "ms.vss-pipelines.stage-state-changed-event";
        deliver(
            type,
            envelope("s1", type,
                     stage_resource(run_id, "web-api-cd", "Production", "completed", "succeeded"),
                     at(3)),
            at(3));
    }
    void expect_reindex_reproduces() {
        const std::string before = all_json();
        const auto items = queue();
        ASSERT_OK(reindex(*m_store, *m_config));
        EXPECT_EQ(all_json(), before);
        EXPECT_EQ(queue(), items);
    }
};

TEST(LookupRecordFormat, RoundTrips) {
    BuildLookupAnswer b{"Contoso", 55, "refs/heads/main", sha(7)};
    auto pb = parse_build_lookup_record(make_build_lookup_record(b));
    ASSERT_OK(pb);
    EXPECT_EQ(*pb, b);
    CommitRangeAnswer r{"contoso/web-api",
                        sha(1),
                        sha(3),
                        {{sha(3), "Ada \"A\"", "a@x", "2026-11-19T08:00:00Z", "Fix\nAB#12", true}}};
    auto pr = parse_commit_range_record(make_commit_range_record(r));
    ASSERT_OK(pr);
    EXPECT_EQ(*pr, r);
    LookupFailure f{"build_lookup:contoso:9", "GET x: HTTP 404"};
    auto pf = parse_lookup_failed_record(make_lookup_failed_record(f));
    ASSERT_OK(pf);
    EXPECT_EQ(*pf, f);
    EXPECT_FALSE(parse_build_lookup_record(
        "{\"project\":\"p\",\"run_id\":0,\"branch\":\"b\",\"sha\":\"x\"}"));
    EXPECT_FALSE(parse_commit_range_record("[]"));
    ReleaseLookupAnswer rl{"Contoso", 31, 501, "refs/heads/main", sha(5)};
    auto prl = parse_release_lookup_record(make_release_lookup_record(rl));
    ASSERT_OK(prl);
    EXPECT_EQ(*prl, rl);
    EXPECT_FALSE(parse_release_lookup_record(
        "{\"project\":\"p\",\"release_id\":0,\"build_id\":1,\"branch\":\"b\",\"sha\":\"x\"}"));
}

// The error of parsing `raw` with `parse`, or "" when it parsed.
template <class Parse>
std::string error_of(Parse parse, const std::string& raw) {
    auto result = parse(raw);
    return result ? std::string() : result.error().message;
}

TEST(LookupRecordFormat, ErrorsNameTheRecordAndTheField) {
    const std::string good = sha(7);
    const struct {
        std::string got;
        std::string expected;
    } cases[] = {
        {error_of(parse_build_lookup_record, "[]"), "build look-up record: not a JSON object"},
        {error_of(parse_build_lookup_record,
                  R"({"run_id":1,"branch":"b","sha":")" + good + R"("})"),
         "build look-up record.project: missing string"},
        {error_of(parse_build_lookup_record,
                  R"({"project":"p","run_id":0,"branch":"b","sha":")" + good + R"("})"),
         "build look-up record.run_id: missing positive integer"},
        {error_of(parse_build_lookup_record,
                  R"({"project":"p","run_id":1,"branch":"b","sha":"x"})"),
         "build look-up record.sha: \"x\" is not a 40-hex commit id"},
        {error_of(parse_release_lookup_record,
                  R"({"project":"p","release_id":3,"build_id":-1,"branch":"b","sha":")" + good +
                      R"("})"),
         "release look-up record.build_id: missing integer"},
        {error_of(parse_lookup_failed_record, R"({"key":"","reason":"r"})"),
         "look-up failure record.key: empty"},
        {error_of(parse_release_artifact_record, R"({"sha":")" + good + R"("})"),
         "release artifact record.release_id: missing positive integer"},
    };
    for (const auto& c : cases) EXPECT_EQ(c.got, c.expected);
    // A release found from its artifact alone has build id 0, and reads back.
    ReleaseLookupAnswer direct{"p", 3, 0, "", good};
    EXPECT_EQ(error_of(parse_release_lookup_record, make_release_lookup_record(direct)), "");
}

TEST_F(LookupRecordsTest, ReleaseLookupGivesAReleaseDeployItsShaAndLeavesTheQueue) {
    m_config->deployments = {deployment("web-api", "production", Trigger::release)};
    m_config->deployments[0].release_definition = "web-api";
    m_config->deployments[0].release_environment = "Prod";
    const auto type = std::string("ms.vss-release.deployment-completed-event");
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    deliver(type, envelope("r1", type, release_resource(7, "web-api", "Prod", "succeeded"), at(3)),
            at(3));
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    ASSERT_EQ(items[0].kind, k_queue_release_artifact_lookup);
    auto lookup = parse_release_artifact_lookup(items[0]);
    ASSERT_OK(lookup);
    answer(k_release_lookup_event_type,
           make_release_lookup_record({lookup->project, 7, 501, "refs/heads/main", sha(1)}),
           items[0].key);
    auto d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].sha, sha(1));
    EXPECT_TRUE(d[0].commits_complete);
    EXPECT_TRUE(queue().empty());
    expect_reindex_reproduces();
}

TEST_F(LookupRecordsTest, CommitRangeAnswerCompletesAGapAndLeavesTheQueue) {
    m_config->deployments = {deployment("web-api", "production", Trigger::build)};
    m_config->deployments[0].pipeline = "web-api-ci";
    push(1, at(0), k_zero, sha(1), {{sha(1)}});
    build(100, sha(1), "succeeded", at(1));
    push(3, at(3), sha(2), sha(3), {{sha(3)}});  // push 2 (1 -> 2) never arrived
    build(101, sha(3), "succeeded", at(4));
    auto d = deploys();
    ASSERT_EQ(d.size(), 2u);
    ASSERT_FALSE(d[1].commits_complete);
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    auto range = parse_commits_between(items[0]);
    ASSERT_OK(range);
    EXPECT_EQ(range->from, sha(1));
    EXPECT_EQ(range->to, sha(3));

    CommitRangeAnswer a{"contoso/web-api", sha(1), sha(3), {}};
    a.commits.push_back(
        {sha(3), "Ada", "ada@contoso.example", "2026-11-19T09:00:00Z", "Three", false});
    a.commits.push_back(
        {sha(2), "Bob", "bob@contoso.example", "2026-11-19T08:00:00Z", "Two fixes AB#42", false});
    EXPECT_GT(answer(k_commit_range_event_type, make_commit_range_record(a), items[0].key), 0u);
    d = deploys();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(d[1].commits_complete);
    EXPECT_EQ(shas_of(d[1]), (std::vector<std::string>{sha(2), sha(3)}));  // oldest first
    EXPECT_EQ(d[1].commits[0].author_email, "bob@contoso.example");
    EXPECT_EQ(d[1].work_items, (std::vector<std::int64_t>{42}));
    EXPECT_TRUE(queue().empty());
    // The same answer again (same event id) is a duplicate: nothing changes.
    EXPECT_EQ(answer(k_commit_range_event_type, make_commit_range_record(a), items[0].key), 0u);
    expect_reindex_reproduces();
}

TEST_F(LookupRecordsTest, BuildLookupGivesAStageDeployItsShaAndTheDeliveryLaterAgrees) {
    deliver_stage_without_sha(55);
    auto d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(d[0].sha.empty());
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    auto lookup = parse_build_lookup(items[0]);
    ASSERT_OK(lookup);
    EXPECT_EQ(lookup->run_id, 55);

    answer(k_build_lookup_event_type,
           make_build_lookup_record({"Contoso", 55, "refs/heads/main", sha(7)}), items[0].key);
    d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].sha, sha(7));
    for (const auto& item : queue()) EXPECT_NE(item.kind, k_queue_build_lookup);
    expect_reindex_reproduces();

    // The run's build.complete arriving later replaces the look-up's fact; same sha.
    build(55, sha(7), "succeeded", at(5), "web-api-cd");
    d = deploys();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].sha, sha(7));
}

TEST_F(LookupRecordsTest, AFailedLookupIsMarkedAndSurvivesReindex) {
    deliver_stage_without_sha(56);
    auto items = queue();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_TRUE(items[0].failed.empty());
    answer(k_lookup_failed_event_type, make_lookup_failed_record({items[0].key, "HTTP 404"}),
           items[0].key);
    items = queue();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].failed, "HTTP 404");
    auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
    auto found = find_queue_item(txn, m_projector->tables(), items[0].key);
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->failed, "HTTP 404");
    txn.abort();
    expect_reindex_reproduces();
    EXPECT_EQ(queue().at(0).failed, "HTTP 404");
}

}  // namespace
}  // namespace shiplog::tracking::test
