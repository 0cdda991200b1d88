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

#include "tracking/dora.hpp"
#include "tracking/incident.hpp"
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
    void do_work_item(const std::string& change, const WorkItem& w, Timestamp when) {
        work_item(change, w, when);
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

// query_dora reads only a window's deploys through the indexes kept beside
// tr_deploys; the reference is compute_dora over every deploy and incident of
// the store. Windows of every size cut through failures, rollbacks and
// incidents opened before and closed inside them, live and after reindex.
TEST_F(RandomHistoryTest, WindowedDoraOverIndexesMatchesTheWholeHistory) {
    m_config->deployments.push_back(deployment("web-api", "staging", config::Trigger::push));
    int windows = 0, with_restores = 0, with_lead_times = 0, with_incidents = 0;
    for (unsigned seed : {5u, 11u, 99u, 2026u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();

        std::mt19937 rng(seed);
        auto generated = generate(rng, 120);
        auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        for (int i = 0; i < 12; ++i) {  // incidents, some before any deploy, some still open
            WorkItem bug{.id = 700 + i, .created = at(roll(130) - 10)};
            const int closes = roll(3);
            const Timestamp closed_at = bug.created + std::chrono::minutes{1 + roll(40)};
            generated.events.push_back({[=](TrackingTest& f) {
                static_cast<RandomHistoryTest&>(f).do_work_item("created", bug, bug.created);
                if (closes == 0) return;
                WorkItem closed = bug;
                closed.rev = 2;
                closed.state = "Closed";
                closed.changed = closed_at;
                static_cast<RandomHistoryTest&>(f).do_work_item("updated", closed, closed_at);
            }});
        }
        std::shuffle(generated.events.begin(), generated.events.end(), rng);
        begin_batch();
        for (std::size_t i = 0; i < generated.events.size(); ++i) {
            generated.events[i].deliver(*this);
            if (i % 16 == 15) {
                end_batch();
                begin_batch();
            }
        }
        end_batch();

        for (int pass = 0; pass < 2; ++pass) {
            if (pass == 1) ASSERT_OK(reindex(*m_store, *m_config));
            auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
            const auto& tables = m_projector->tables();
            std::vector<DeploySeries> all;
            for (const auto& d : m_config->deployments) {
                auto history = deploys_of(txn, tables, d.name, d.environment);
                ASSERT_OK(history);
                all.push_back({d.name, d.environment, *history, {}});
            }
            auto incidents = list_incidents(txn, tables, "Contoso", m_config->failures);
            ASSERT_OK(incidents);
            for (int w = 0; w < 60; ++w) {
                int from = roll(150) - 15, length = w == 0 ? 200 : roll(w < 30 ? 20 : 90);
                if (w == 0) from = -20;
                const Timestamp since = at(from), until = at(from + length);
                SCOPED_TRACE("window " + iso(since) + " .. " + iso(until));
                const bool both = w % 3 == 0;
                std::vector<DeploySeries> reference_series;
                for (const auto& s : all)
                    if (both || s.environment == "production") reference_series.push_back(s);
                auto reference = compute_dora(reference_series, *incidents, since, until);
                DoraQuery query;
                query.deployment = "web-api";
                if (!both) query.environment = "production";
                query.since = since;
                query.until = until;
                reference.deployment = query.deployment;
                reference.environment = query.environment;
                auto indexed = query_dora(txn, tables, *m_config, query);
                ASSERT_OK(indexed);
                EXPECT_EQ(dora_json_with_explain(*indexed), dora_json_with_explain(reference));
                // Without explain the figures come from the index rows alone.
                query.explain = false;
                auto rows_only = query_dora(txn, tables, *m_config, query);
                ASSERT_OK(rows_only);
                EXPECT_EQ(dora_json(*rows_only), dora_json(reference));
                EXPECT_TRUE(rows_only->explain.changes.empty());
                ++windows;
                with_restores += reference.time_to_restore_failures > 0 ? 1 : 0;
                with_lead_times += reference.lead_time_commits > 0 ? 1 : 0;
                for (const auto& r : reference.explain.restores)
                    with_incidents += r.kind == RestoreKind::incident ? 1 : 0;
            }
        }
    }
    // The windows must actually exercise what they are meant to.
    EXPECT_GT(with_restores, windows / 4);
    EXPECT_GT(with_lead_times, windows / 4);
    EXPECT_GT(with_incidents, 10);
    std::printf(
        "windowed dora: %d windows, %d with restores, %d with lead times, %d incident restores\n",
        windows, with_restores, with_lead_times, with_incidents);
}

}  // namespace
}  // namespace shiplog::tracking::test
