// Pull requests: the lead time breakdown, squash-aware lead time, rework and
// batch size of a small hand-made history whose figures are worked out in
// the comments; then the same history in reverse and through reindex.
#include <algorithm>
#include <regex>

#include "tracking/dora.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

class PullRequestTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        m_config->failures.hotfix_branches = {"hotfix/*"};
    }

    // Every event of the history, as callables, in the order they happened.
    std::vector<std::function<void()>> history() {
        std::vector<std::function<void()>> h;
        // D1 at 0: a direct commit.
        h.push_back([this] { push(1, at(0), k_zero, sha(1), {{sha(1), "first", "a@x", at(-5)}}); });
        // PR 7 (merge): created at 10, own commits at -50 and 5, merged at 60.
        PullRequest pr7;
        pr7.id = 7;
        pr7.created = at(10);
        h.push_back([this, pr7] { pull_request("git.pullrequest.created", pr7, at(10), "pr7-c"); });
        h.push_back([this, pr7] {  // the author's own comment does not count
            pull_request_comment(pr7, {"author-1", at(12)}, "pr7-own");
        });
        h.push_back([this, pr7] {  // a group's vote does not count
            auto p = pr7;
            p.groups = {"team"};
            pull_request("git.pullrequest.updated", p, at(11), "pr7-group");
        });
        h.push_back([this, pr7] {  // a system comment does not count
            pull_request_comment(pr7, {"bot", at(13), "system"}, "pr7-bot");
        });
        h.push_back([this, pr7] { pull_request_comment(pr7, {"rev-1", at(20)}, "pr7-review"); });
        h.push_back([this, pr7] {
            auto p = pr7;
            p.reviewers = {{"rev-2", 10}};
            pull_request("git.pullrequest.updated", p, at(30), "pr7-vote");
        });
        PullRequest done7 = pr7;
        done7.status = "completed";
        done7.closed = at(60);
        done7.merge_sha = sha(4);
        done7.target_sha = sha(1);
        done7.strategy = "noFastForward";
        h.push_back(
            [this, done7] { pull_request("git.pullrequest.updated", done7, at(60), "pr7-done"); });
        h.push_back([this, done7] {
            pull_request_rest(
                done7,
                std::vector<std::pair<std::string, Timestamp>>{{sha(2), at(-50)}, {sha(3), at(5)}},
                {}, "pr7-rest", at(62));
        });
        // D2 at 61: the completion's push (the merge commit and the PR's commits).
        h.push_back([this] {
            push(2, at(61), sha(1), sha(4),
                 {{sha(4), "Merged PR 7", "a@x", at(60)},
                  {sha(3), "b", "a@x", at(5)},
                  {sha(2), "a", "a@x", at(-50)}});
        });
        // PR 8 (squash from a hotfix branch): own commits at 70 and 90, created
        // at 100, no review, merged at 120.
        PullRequest done8;
        done8.id = 8;
        done8.status = "completed";
        done8.source = "refs/heads/hotfix/login";
        done8.created = at(100);
        done8.closed = at(120);
        done8.merge_sha = sha(5);
        done8.target_sha = sha(4);
        done8.strategy = "squash";
        h.push_back(
            [this, done8] { pull_request("git.pullrequest.merged", done8, at(120), "pr8-done"); });
        h.push_back([this, done8] {
            pull_request_rest(
                done8,
                std::vector<std::pair<std::string, Timestamp>>{{sha(6), at(90)}, {sha(7), at(70)}},
                {{"rev-1", at(130)}},  // after the merge: does not count
                "pr8-rest", at(125));
        });
        // D3 at 121: the squash commit, authored at the completion.
        h.push_back([this] {
            push(3, at(121), sha(4), sha(5), {{sha(5), "Merged PR 8", "a@x", at(120)}});
        });
        // Incident 900 opened at 150, closed at 210; D4 at 200 ships its fix.
        WorkItem bug{.id = 900, .created = at(150)};
        h.push_back([this, bug] { work_item("created", bug, at(150)); });
        WorkItem closed = bug;
        closed.rev = 2;
        closed.state = "Closed";
        closed.changed = at(210);
        h.push_back([this, closed] { work_item("updated", closed, at(210)); });
        h.push_back([this] {
            push(4, at(200), sha(5), sha(8), {{sha(8), "Fixes AB#900", "a@x", at(190)}});
        });
        return h;
    }

    DoraFigures figures(bool explain) {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        DoraQuery q;
        q.since = at(-100);
        q.until = at(300);
        q.explain = explain;
        auto f = query_dora(txn, m_projector->tables(), *m_config, q);
        EXPECT_OK(f);
        return f ? *f : DoraFigures{};
    }
};

TEST_F(PullRequestTest, BreakdownReworkAndBatchOfAHandMadeHistory) {
    for (auto& deliver_one : history()) deliver_one();
    auto list = deploys();
    ASSERT_EQ(list.size(), 4u);

    // D2 ships PR 7: pickup to the first review (the comment at 20).
    ASSERT_EQ(list[1].pull_requests.size(), 1u);
    const auto& p7 = list[1].pull_requests[0];
    EXPECT_EQ(p7.id, 7);
    EXPECT_EQ(p7.first_review_at, at(20));
    EXPECT_EQ(p7.merged_at, at(60));
    EXPECT_EQ(p7.first_commit_at, at(-50));
    EXPECT_EQ(list[1].batch, (BatchSize{3, 1, 0}));
    EXPECT_EQ(list[1].rework, Rework::none);
    for (const auto& c : list[1].commits) EXPECT_TRUE(c.via_pull_request) << c.sha;

    // D3: the squash commit's lead time starts at PR 8's first commit; a hotfix.
    ASSERT_EQ(list[2].pull_requests.size(), 1u);
    EXPECT_EQ(list[2].pull_requests[0].first_review_at, std::nullopt);
    ASSERT_EQ(list[2].commits.size(), 1u);
    EXPECT_EQ(list[2].commits[0].lead_from, at(70));
    EXPECT_EQ(list[2].rework, Rework::hotfix);

    // D4 ships a fix for incident 900, open when its push brought it.
    EXPECT_EQ(list[3].rework, Rework::incident_fix);
    EXPECT_EQ(list[3].batch, (BatchSize{1, 0, 1}));
    EXPECT_EQ(list[0].rework, Rework::none);

    for (bool explain : {false, true}) {
        SCOPED_TRACE(explain ? "explain" : "index rows");
        auto f = figures(explain);
        EXPECT_EQ(f.pull_requests, 2);
        EXPECT_EQ(f.direct_commits, 2);  // sha(1), sha(8)
        // coding: PR 7 60 min, PR 8 30 min.
        EXPECT_EQ(f.coding.median, 2700.0);
        EXPECT_EQ(f.coding.p90, 3600);
        // pickup: PR 7 10 min (to the comment), PR 8 20 min (to the merge).
        EXPECT_EQ(f.pickup.median, 900.0);
        EXPECT_EQ(f.pickup.p90, 1200);
        // review: PR 7 40 min, PR 8 0.
        EXPECT_EQ(f.review.median, 1200.0);
        EXPECT_EQ(f.review.p90, 2400);
        // deploy: both 1 min.
        EXPECT_EQ(f.deploy.median, 60.0);
        // lead times: sha(1) 5 min, sha(4) 1, sha(3) 56, sha(2) 111, sha(5) 51 (squash), sha(8) 10.
        EXPECT_EQ(f.lead_time_commits, 6);
        EXPECT_EQ(f.lead_time_median, (600.0 + 3060.0) / 2);
        EXPECT_EQ(f.rework_rate, 0.5);
        EXPECT_EQ(f.batch_median_commits, 1.0);
        EXPECT_EQ(f.batch_counts[0], 4);
    }
    EXPECT_EQ(figures(true).explain.pull_requests.size(), 2u);
}

// Deploy ids end in journal sequence numbers, which follow the arrival order.
std::string without_ids(const std::string& json) {
    static const std::regex k_id("web-api:production:[0-9]+");
    return std::regex_replace(json, k_id, "web-api:production:#");
}

TEST_F(PullRequestTest, ReverseOrderAndReindexGiveTheSameDeploys) {
    auto h = history();
    for (auto& deliver_one : h) deliver_one();
    const std::string forward = all_json();
    const std::string metrics = dora_json_with_explain(figures(true));
    EXPECT_NE(forward.find("\"rework\":\"hotfix\""), std::string::npos) << forward;
    ASSERT_OK(reindex(*m_store, *m_config));
    EXPECT_EQ(all_json(), forward);
    EXPECT_EQ(dora_json_with_explain(figures(true)), metrics);

    std::filesystem::remove_all(m_dir / "store");
    reopen();
    std::reverse(h.begin(), h.end());
    for (auto& deliver_one : h) deliver_one();
    EXPECT_EQ(without_ids(all_json()), without_ids(forward));
    EXPECT_EQ(without_ids(dora_json_with_explain(figures(true))), without_ids(metrics));
}

TEST_F(PullRequestTest, HotfixGlobsDoNotCrossSlashes) {
    m_config->failures.hotfix_branches = {"hotfix/*", "rel-[0-9]?"};
    const std::pair<const char*, bool> cases[] = {
        {"refs/heads/hotfix/a", true},  {"refs/heads/hotfix/a/b", false},
        {"refs/heads/Hotfix/a", false}, {"refs/heads/rel-1x", true},
        {"refs/heads/rel-x1", false},   {"refs/heads/rel-1/", false}};
    int n = 0;
    std::string tip = k_zero;
    for (const auto& [source, hotfix] : cases) {
        ++n;
        PullRequest p;
        p.id = n;
        p.status = "completed";
        p.source = source;
        p.created = at(n * 10);
        p.closed = at(n * 10 + 1);
        p.merge_sha = sha(100 + n);
        pull_request("git.pullrequest.updated", p, at(n * 10 + 1), "pr-" + std::to_string(n));
        push(n, at(n * 10 + 2), tip, sha(100 + n), {{sha(100 + n), "m", "a@x", at(n * 10 + 1)}});
        tip = sha(100 + n);
        auto list = deploys();
        ASSERT_EQ(list.size(), static_cast<std::size_t>(n));
        EXPECT_EQ(list.back().rework, hotfix ? Rework::hotfix : Rework::none) << source;
    }
}

TEST_F(PullRequestTest, APullRequestIntoAnotherBranchOrNotCompletedShipsNothing) {
    PullRequest p;
    p.id = 3;
    p.target = "refs/heads/release";
    p.status = "completed";
    p.closed = at(5);
    p.merge_sha = sha(1);
    pull_request("git.pullrequest.updated", p, at(5), "other-branch");
    PullRequest active;
    active.id = 4;
    active.merge_sha = sha(1);  // a test merge of an active pull request
    pull_request("git.pullrequest.merged", active, at(5), "test-merge");
    push(1, at(6), k_zero, sha(1), {{sha(1), "m", "a@x", at(5)}});
    auto list = deploys();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].pull_requests.empty());
    EXPECT_FALSE(list[0].commits[0].via_pull_request);
}

}  // namespace
}  // namespace shiplog::tracking::test
