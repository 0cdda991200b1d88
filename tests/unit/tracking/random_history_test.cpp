// Seeded randomised histories (STYLE.md: intricate logic against a
// deliberately simple reference). A linear main branch grows by pushes of
// 1-3 commits, is sometimes force-pushed back to an ancestor, a feature
// branch gets unrelated pushes, and builds deploy the tip (or an older
// deployed sha: rollbacks). Every event is delivered in a shuffled order;
// each deploy's commit set, completeness, status and failure must match a
// reference that knows the true commit graph and simply walks parents
// (git rev-list prev..sha).
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

struct Event {
    std::function<void(TrackingTest&)> deliver;
};

struct ExpectedDeploy {
    Timestamp at;
    std::string sha;
    DeployStatus status = DeployStatus::succeeded;
    Failure failure = Failure::none;
    bool complete = true;
    std::vector<std::string> commits;  // sorted
};

class RandomHistoryTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        m_config->deployments = {deployment("web-api", "production", config::Trigger::build)};
        m_config->deployments[0].pipeline = "web-api-ci";
    }

    // Public wrappers so that event lambdas can call the fixture.
  public:
    void do_push(int id, Timestamp t, const std::string& old_sha, const std::string& new_sha,
                 const std::vector<Commit>& commits, const std::string& ref) {
        push(id, t, old_sha, new_sha, commits, ref);
    }
    void do_build(int id, const std::string& s, const std::string& result, Timestamp t) {
        build(id, s, result, t);
    }
};

struct Generated {
    std::vector<Event> events;
    std::vector<ExpectedDeploy> expected;
};

Generated generate(std::mt19937& rng, int steps) {
    Generated g;
    std::map<std::string, std::string> parent;                      // true commit graph
    std::map<std::string, std::vector<std::string>> pushed_by_tip;  // normal push: new -> commits
    unsigned next_sha = 1;
    int next_push = 1, next_build = 1;
    std::string tip, feature_tip;
    std::vector<std::string> deployed;
    struct RawDeploy {
        Timestamp at;
        std::string sha;
        std::string result;
    };
    std::vector<RawDeploy> builds;
    auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };

    for (int step = 0; step < steps; ++step) {
        const Timestamp t = at(step);
        const int r = roll(100);
        if (tip.empty() || r < 45) {
            std::vector<Commit> commits;  // newest first, as Azure DevOps lists them
            std::string base = tip;
            const int n = 1 + roll(3);
            for (int i = 0; i < n; ++i) {
                std::string s = sha(next_sha++);
                parent[s] = base;
                commits.insert(commits.begin(),
                               Commit{s, "change " + s.substr(34), "dev@example.com", t});
                base = s;
            }
            std::vector<std::string> listed;
            for (const auto& c : commits) listed.push_back(c.sha);
            pushed_by_tip[base] = listed;
            const std::string old_sha = tip.empty() ? k_zero : tip;
            const int id = next_push++;
            g.events.push_back({[=](TrackingTest& f) {
                static_cast<RandomHistoryTest&>(f).do_push(id, t, old_sha, base, commits,
                                                           "refs/heads/main");
            }});
            tip = base;
        } else if (r < 55) {
            std::string s = sha(next_sha++);
            parent[s] = tip;
            const std::string old_sha = feature_tip.empty() ? k_zero : feature_tip;
            const int id = next_push++;
            g.events.push_back({[=](TrackingTest& f) {
                static_cast<RandomHistoryTest&>(f).do_push(id, t, old_sha, s, {{s}},
                                                           "refs/heads/feature");
            }});
            feature_tip = s;
        } else if (r < 62) {
            // Force push back to a random proper ancestor, if there is one.
            std::vector<std::string> ancestors;
            for (std::string a = parent[tip]; !a.empty(); a = parent[a]) ancestors.push_back(a);
            if (ancestors.empty()) continue;
            const std::string target =
                ancestors[static_cast<std::size_t>(roll(static_cast<int>(ancestors.size())))];
            // Only push tips can be rewound to in this model (deploys are of tips).
            if (!pushed_by_tip.count(target)) continue;
            const std::string old_sha = tip;
            const int id = next_push++;
            g.events.push_back({[=](TrackingTest& f) {
                static_cast<RandomHistoryTest&>(f).do_push(id, t, old_sha, target, {},
                                                           "refs/heads/main");
            }});
            tip = target;
        } else {
            std::string s = tip;
            if (!deployed.empty() && roll(100) < 15)
                s = deployed[static_cast<std::size_t>(roll(static_cast<int>(deployed.size())))];
            const int q = roll(100);
            const std::string result = q < 80 ? "succeeded" : q < 92 ? "failed" : "canceled";
            const int id = next_build++;
            g.events.push_back({[=](TrackingTest& f) {
                static_cast<RandomHistoryTest&>(f).do_build(id, s, result, t);
            }});
            builds.push_back({t, s, result});
            if (result == "succeeded") deployed.push_back(s);
        }
    }

    // The reference: walk the true graph.
    auto is_ancestor = [&](const std::string& a, const std::string& b) {
        for (std::string c = b; !c.empty(); c = parent[c])
            if (c == a) return true;
        return false;
    };
    std::optional<std::string> previous;
    std::map<std::string, std::size_t> last_index;
    for (const auto& b : builds) {
        if (b.result == "canceled") continue;
        ExpectedDeploy e;
        e.at = b.at;
        e.sha = b.sha;
        e.status = b.result == "succeeded" ? DeployStatus::succeeded : DeployStatus::failed;
        e.failure = e.status == DeployStatus::failed ? Failure::failed : Failure::none;
        const bool succeeded = e.status == DeployStatus::succeeded;
        const bool rollback =
            succeeded && last_index.count(b.sha) && previous && *previous != b.sha;
        if (rollback) {
            for (std::size_t i = last_index[b.sha] + 1; i < g.expected.size(); ++i)
                if (g.expected[i].failure == Failure::none)
                    g.expected[i].failure = Failure::rollback;
        } else if (!previous) {
            e.commits = pushed_by_tip[b.sha];
        } else if (is_ancestor(*previous, b.sha)) {
            for (std::string c = b.sha; c != *previous; c = parent[c]) e.commits.push_back(c);
        } else {
            e.complete = false;
        }
        std::sort(e.commits.begin(), e.commits.end());
        if (succeeded) {
            last_index[b.sha] = g.expected.size();
            previous = b.sha;
        }
        g.expected.push_back(std::move(e));
    }
    return g;
}

TEST_F(RandomHistoryTest, CommitSetsMatchAReferenceWhateverTheDeliveryOrder) {
    int deploys_seen = 0, incomplete = 0, rollbacks = 0, multi_commit = 0, failed = 0;
    for (unsigned seed : {1u, 2u, 3u, 7u, 42u, 1234u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();

        std::mt19937 rng(seed);
        auto generated = generate(rng, 70);
        std::shuffle(generated.events.begin(), generated.events.end(), rng);
        begin_batch();
        for (std::size_t i = 0; i < generated.events.size(); ++i) {
            generated.events[i].deliver(*this);
            if (i % 16 == 15) {  // several batches, as the writer would commit them
                end_batch();
                begin_batch();
            }
        }
        end_batch();

        auto actual = deploys();
        ASSERT_EQ(actual.size(), generated.expected.size());
        for (std::size_t i = 0; i < actual.size(); ++i) {
            SCOPED_TRACE("deploy " + std::to_string(i));
            const auto& a = actual[i];
            const auto& e = generated.expected[i];
            EXPECT_EQ(a.deployed_at, e.at);
            EXPECT_EQ(a.sha, e.sha);
            EXPECT_EQ(a.status, e.status);
            EXPECT_EQ(a.failure, e.failure);
            EXPECT_EQ(a.commits_complete, e.complete);
            auto shas = shas_of(a);
            std::sort(shas.begin(), shas.end());
            EXPECT_EQ(shas, e.commits);
            EXPECT_EQ(a.pending.empty(), e.complete);
            ++deploys_seen;
            incomplete += e.complete ? 0 : 1;
            rollbacks += e.failure == Failure::rollback ? 1 : 0;
            failed += e.failure == Failure::failed ? 1 : 0;
            multi_commit += e.commits.size() > 1 ? 1 : 0;
        }

        // The same journal, rebuilt: identical.
        const std::string live = all_json();
        ASSERT_OK(reindex(*m_store, *m_config));
        EXPECT_EQ(all_json(), live);
    }
    // The generator must actually exercise every case it is meant to.
    EXPECT_GT(deploys_seen, 60);
    EXPECT_GT(incomplete, 0);
    EXPECT_GT(rollbacks, 0);
    EXPECT_GT(failed, 0);
    EXPECT_GT(multi_commit, 10);
    std::printf(
        "random histories: %d deploys, %d incomplete, %d rolled back, %d failed, %d multi-commit\n",
        deploys_seen, incomplete, rollbacks, failed, multi_commit);
}

}  // namespace
}  // namespace shiplog::tracking::test
