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
#include <tuple>

#include "tracking/dora.hpp"
#include "tracking/impact.hpp"
#include "tracking/incident.hpp"
#include "tracking/register_deploy.hpp"
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
    void do_pull_request(const std::string& type, const PullRequest& p, Timestamp when,
                         const std::string& event_id) {
        pull_request(type, p, when, event_id);
    }
    void do_pull_request_rest(const PullRequest& p,
                              const std::vector<std::pair<std::string, Timestamp>>& commits,
                              const std::string& event_id, Timestamp when) {
        pull_request_rest(p, commits, {}, event_id, when);
    }
};

struct Generated {
    std::vector<Event> events;
    std::vector<ExpectedDeploy> expected;
};

// `step_minutes` apart: 1 keeps a history within hours, longer steps spread
// it over days (whole-day windows read tr_deploy_days). `extras`: some main
// pushes complete a pull request (some from hotfix/ branches: rework) and
// some bring many commits (every batch size).
Generated generate(std::mt19937& rng, int steps, int step_minutes = 1, bool extras = false) {
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
    int next_pr = 1;
    auto as = [](TrackingTest& f) -> RandomHistoryTest& {
        return static_cast<RandomHistoryTest&>(f);
    };

    for (int step = 0; step < steps; ++step) {
        const Timestamp t = at(step * step_minutes);
        const int r = roll(100);
        if (tip.empty() || r < 45) {
            std::vector<Commit> commits;  // newest first, as Azure DevOps lists them
            std::string base = tip;
            const int n = extras && roll(100) < 15 ? 6 + roll(60) : 1 + roll(3);
            for (int i = 0; i < n; ++i) {
                std::string s = sha(next_sha++);
                parent[s] = base;
                commits.insert(commits.begin(),
                               Commit{s, "change " + s.substr(34), "dev@example.com", t});
                base = s;
            }
            if (extras && roll(100) < 35) {
                // The push completes a pull request of these commits: a merge
                // commit on top, reviewed or not, its commits known over REST
                // or not (coding time unknown).
                std::string merge = sha(next_sha++);
                parent[merge] = base;
                commits.insert(
                    commits.begin(),
                    Commit{merge, "Merged PR " + std::to_string(next_pr), "dev@example.com", t});
                base = merge;
                PullRequest p;
                p.id = next_pr++;
                p.created = t - std::chrono::minutes{1 + roll(120 * step_minutes)};
                p.source = (roll(4) == 0 ? "refs/heads/hotfix/fix-" : "refs/heads/feature/f-") +
                           std::to_string(p.id);
                p.strategy = "noFastForward";
                const std::string key = "pr-" + std::to_string(p.id);
                g.events.push_back({[=](TrackingTest& f) {
                    as(f).do_pull_request("git.pullrequest.created", p, p.created, key + "-c");
                }});
                if (roll(3) != 0) {
                    PullRequest voted = p;
                    voted.reviewers.emplace_back("rev-1", 10);
                    const Timestamp when = p.created + (t - p.created) / (2 + roll(4));
                    g.events.push_back({[=](TrackingTest& f) {
                        as(f).do_pull_request("git.pullrequest.updated", voted, when, key + "-v");
                    }});
                }
                PullRequest completed = p;
                completed.status = "completed";
                completed.closed = t;
                completed.merge_sha = merge;
                completed.target_sha = tip.empty() ? k_zero : tip;
                g.events.push_back({[=](TrackingTest& f) {
                    as(f).do_pull_request("git.pullrequest.updated", completed, t, key + "-done");
                }});
                if (roll(3) != 0) {
                    std::vector<std::pair<std::string, Timestamp>> own;
                    for (std::size_t i = 1; i < commits.size(); ++i)
                        own.emplace_back(commits[i].sha,
                                         p.created - std::chrono::minutes{roll(300)});
                    g.events.push_back({[=](TrackingTest& f) {
                        as(f).do_pull_request_rest(completed, own, key + "-rest",
                                                   t + std::chrono::minutes{5});
                    }});
                }
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
    m_config->failures.hotfix_branches = {"hotfix/*"};
    int windows = 0, with_restores = 0, with_lead_times = 0, with_incidents = 0;
    int with_whole_days = 0;
    // The breakdown, rework and batch figures, over whole days too (day rows).
    int with_prs = 0, with_coding = 0, with_rework = 0, with_hotfix = 0, with_direct = 0;
    int whole_days_with_prs = 0, whole_days_with_rework = 0;
    std::int64_t batches[4] = {0, 0, 0, 0};
    // Minutes per step: 1 keeps windows inside a day (deploy rows only); 97
    // spreads ~10 days, so windows cover whole days (day rows) and cut
    // partial days at both edges.
    for (const auto& run :
         {std::pair{5u, 1}, {11u, 1}, {99u, 1}, {2026u, 1}, {7u, 97}, {31u, 97}, {4242u, 61}}) {
        const unsigned seed = run.first;
        const int unit = run.second;
        SCOPED_TRACE("seed " + std::to_string(seed) + " unit " + std::to_string(unit));
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();

        std::mt19937 rng(seed);
        auto generated = generate(rng, 120, unit, true);
        auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        for (int i = 0; i < 12; ++i) {  // incidents, some before any deploy, some still open
            WorkItem bug{.id = 700 + i, .created = at((roll(130) - 10) * unit)};
            const int closes = roll(3);
            const Timestamp closed_at = bug.created + std::chrono::minutes{(1 + roll(40)) * unit};
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
                // Odd offsets: windows rarely start at midnight.
                const Timestamp since = at(from * unit + (unit > 1 ? roll(60) : 0));
                const Timestamp until = at((from + length) * unit);
                if (since > until) continue;
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
                const Timestamp day = std::chrono::ceil<std::chrono::days>(since);
                const bool whole_day = day + std::chrono::days{1} <= until;
                with_whole_days += whole_day ? 1 : 0;
                with_prs += reference.pull_requests > 1 ? 1 : 0;
                with_coding += reference.coding.median ? 1 : 0;
                with_rework += reference.rework_deploys > 0 ? 1 : 0;
                with_direct += reference.direct_commits > 0 ? 1 : 0;
                whole_days_with_prs += whole_day && reference.pull_requests > 1 ? 1 : 0;
                whole_days_with_rework += whole_day && reference.rework_deploys > 0 ? 1 : 0;
                for (int i = 0; i < 4; ++i) batches[i] += reference.batch_counts[i];
                for (const auto& c : reference.explain.changes)
                    with_hotfix += c.rework == Rework::hotfix ? 1 : 0;
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
    EXPECT_GT(with_whole_days, windows / 8);
    EXPECT_GT(with_prs, windows / 4);
    EXPECT_GT(with_coding, windows / 8);
    EXPECT_GT(with_rework, windows / 8);
    EXPECT_GT(with_direct, windows / 4);
    EXPECT_GT(with_hotfix, 10);
    EXPECT_GT(whole_days_with_prs, windows / 16);
    EXPECT_GT(whole_days_with_rework, windows / 16);
    for (int i = 0; i < 4; ++i) EXPECT_GT(batches[i], 10) << "batch size class " << i;
    std::printf(
        "windowed dora: %d windows, %d with restores, %d with lead times, %d incident restores, "
        "%d over whole days; %d with pull requests (%d over whole days), %d with coding times, "
        "%d with rework (%d over whole days, %d hotfix deploys), batch sizes S %lld M %lld "
        "L %lld XL %lld\n",
        windows, with_restores, with_lead_times, with_incidents, with_whole_days, with_prs,
        whole_days_with_prs, with_coding, with_rework, whole_days_with_rework, with_hotfix,
        static_cast<long long>(batches[0]), static_cast<long long>(batches[1]),
        static_cast<long long>(batches[2]), static_cast<long long>(batches[3]));
}

// ---- incremental derivation against reindex ---------------------------------
//
// Live ingestion derives a series only from the position an event affects
// (recompute.cpp); reindex derives every series from scratch. Random
// histories over every trigger, delivered mostly in order with some events
// late (builds after their stages, pushes after the deploys that need them,
// artifacts after their releases, incidents at any time), redelivered under
// the same or a new event id, must leave byte-identical derived tables,
// `deploys --json` and `metrics --json` to a reindex of the same journal.

namespace incremental {

struct Planned {
    int due = 0;  // delivery order key
    int order = 0;
    std::function<void(TrackingTest&)> deliver;
};

class IncrementalHistoryTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        auto push_d = deployment("web-api", "production", config::Trigger::push);
        auto build_d = deployment("web-api", "staging", config::Trigger::build);
        build_d.pipeline = "web-api-ci";
        auto stage_d = deployment("web-api", "prod-stage", config::Trigger::stage);
        stage_d.pipeline = "web-api-ci";
        stage_d.stage = "Deploy";
        auto release_d = deployment("web-api", "classic", config::Trigger::release);
        release_d.release_definition = "web-api";
        release_d.release_environment = "Prod";
        m_config->deployments = {push_d, build_d, stage_d, release_d};
        m_config->failures.hotfix_branches = {"hotfix/*"};
        // Incidents from outside Azure Boards, in two of the series.
        m_config->incident_sources = {
            {"pager", config::IncidentSourceKind::api, "web-api", "production"},
            {"alerts", config::IncidentSourceKind::azure_monitor, "web-api", "staging"}};
    }

  public:
    void do_pull_request(const std::string& type, const PullRequest& p, Timestamp when,
                         const std::string& event_id) {
        pull_request(type, p, when, event_id);
    }
    void do_pull_request_comment(const PullRequest& p, const PrComment& c,
                                 const std::string& event_id) {
        pull_request_comment(p, c, event_id);
    }
    void do_pull_request_rest(
        const PullRequest& p,
        const std::optional<std::vector<std::pair<std::string, Timestamp>>>& commits,
        const std::vector<PrComment>& comments, const std::string& event_id, Timestamp when) {
        pull_request_rest(p, commits, comments, event_id, when);
    }
    void raw(const std::string& type, const std::string& body, Timestamp created,
             const std::string& event_id = {}) {
        deliver(type, body, created, storage::EventSource::webhook, event_id);
    }
    void do_push(int id, Timestamp t, const std::string& old_sha, const std::string& new_sha,
                 const std::vector<Commit>& commits, const std::string& ref,
                 const std::string& event_id) {
        push(id, t, old_sha, new_sha, commits, ref, event_id);
    }
    void do_build(int id, const std::string& s, const std::string& result, Timestamp t) {
        build(id, s, result, t);
    }
    void do_work_item(const std::string& change, const WorkItem& w, Timestamp when) {
        work_item(change, w, when);
    }
    void do_register(const std::string& s, Timestamp t, DeployStatus status) {
        register_deploy(s, t, status);
    }
    void do_impact(const ImpactRecord& record, const std::string& event_id) {
        deliver(std::string(k_impact_event_type), make_impact_record(record), std::nullopt,
                storage::EventSource::register_deploy, event_id);
    }

    // Every derived table a query reads, byte for byte.
    std::string dump() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        const auto& t = m_projector->tables();
        std::string out;
        for (auto [name, dbi] : {std::pair{"deploys", t.deploys},
                                 {"deploy_time", t.deploy_time},
                                 {"deploy_shas", t.deploy_shas},
                                 {"incident_blame", t.incident_blame},
                                 {"deploy_days", t.deploy_days},
                                 {"shipped", t.shipped},
                                 {"gaps", t.gaps},
                                 {"sources", t.sources},
                                 {"impacts", t.impacts},
                                 {"pull_requests", t.pull_requests},
                                 {"pr_merges", t.pr_merges},
                                 {"wi_created", t.wi_created}}) {
            out += std::string("== ") + name + "\n";
            auto cursor = lmdb::cursor::open(txn, dbi);
            lmdb::val k, v;
            for (bool ok = cursor.get(k, v, MDB_FIRST); ok; ok = cursor.get(k, v, MDB_NEXT)) {
                out += std::to_string(k.size()) + ":" + std::string(k.data(), k.size()) + "=" +
                       std::to_string(v.size()) + ":" + std::string(v.data(), v.size()) + "\n";
            }
        }
        return out;
    }

    // `metrics --json` (with and without explain) for each deployment,
    // environment and all of them, over windows across the history.
    std::string metrics(int minutes) {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        std::string out;
        std::vector<DoraQuery> queries;
        for (int from : {-10, minutes / 5, minutes / 2}) {
            for (int length : {minutes + 20, minutes / 7, 60}) {
                DoraQuery q;
                q.since = at(from);
                q.until = at(from + length);
                queries.push_back(q);
                for (const auto& d : m_config->deployments) {
                    q.deployment = d.name;
                    q.environment = d.environment;
                    queries.push_back(q);
                }
            }
        }
        for (auto q : queries) {
            std::string rows_only;
            for (bool explain : {false, true}) {
                q.explain = explain;
                auto figures = query_dora(txn, m_projector->tables(), *m_config, q);
                EXPECT_OK(figures);
                if (!figures) continue;
                out += explain ? dora_json_with_explain(*figures) : dora_json(*figures);
                out += "\n";
                // The index rows (day rows for whole days) give what the
                // reference computation gives over the window's deploys.
                if (!explain)
                    rows_only = dora_json(*figures);
                else
                    EXPECT_EQ(rows_only, dora_json(*figures))
                        << iso(q.since) << " " << iso(q.until);
            }
        }
        return out;
    }
};

struct History {
    std::vector<Planned> events;
    int minutes = 0;
};

// Steps `unit` minutes apart (the histories span hours, or days when unit > 1).
History generate(std::mt19937& rng, int steps, int unit = 1) {
    History h;
    auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    unsigned next_sha = 1;
    int next_push = 1, next_build = 1, next_release = 1, next_bug = 1, next_pr = 1, order = 0;
    std::string tip, feature_tip;
    std::vector<std::string> tips;      // every main tip so far
    std::vector<std::string> deployed;  // shas built so far
    std::vector<Planned> done;          // for redeliveries
    const std::string stage_type = "ms.vss-pipelines.stage-state-changed-event";
    const std::string release_type = "ms.vss-release.deployment-completed-event";
    // Mostly in order; some events arrive late (up to 60 steps).
    auto plan = [&](int step, std::function<void(TrackingTest&)> deliver) {
        const int delay = roll(100) < 12 ? roll(60) : 0;
        h.events.push_back({step + delay, order++, deliver});
        if (roll(100) < 3)  // redelivered later, same event id
            h.events.push_back({step + delay + roll(40), order++, deliver});
    };
    auto as = [](TrackingTest& f) -> IncrementalHistoryTest& {
        return static_cast<IncrementalHistoryTest&>(f);
    };

    for (int step = 0; step < steps; ++step) {
        const Timestamp t = at(step * unit);
        const int r = roll(100);
        if (tip.empty() || r < 40) {
            std::vector<Commit> commits;
            std::string base = tip;
            const int n = 1 + roll(3);
            for (int i = 0; i < n; ++i) {
                std::string s = sha(next_sha++);
                std::string message = "change " + s.substr(34);
                if (roll(10) == 0) message += " AB#" + std::to_string(1 + roll(20));
                commits.insert(commits.begin(), Commit{s, message, "dev@example.com",
                                                       t - std::chrono::minutes{roll(300)}});
                base = s;
            }
            const std::string old_sha = tip.empty() ? k_zero : tip;
            const int id = next_push++;
            const std::string event_id = "push-" + std::to_string(id);
            plan(step, [=](TrackingTest& f) {
                as(f).do_push(id, t, old_sha, base, commits, "refs/heads/main", event_id);
            });
            if (roll(100) < 4)  // the same push again under another event id (hook + REST)
                plan(step + 5, [=](TrackingTest& f) {
                    as(f).do_push(id, t, old_sha, base, commits, "refs/heads/main",
                                  event_id + "-again");
                });
            tip = base;
            tips.push_back(tip);
        } else if (r < 45) {
            std::string s = sha(next_sha++);
            const std::string old_sha = feature_tip.empty() ? k_zero : feature_tip;
            const int id = next_push++;
            plan(step, [=](TrackingTest& f) {
                as(f).do_push(id, t, old_sha, s, {{s}}, "refs/heads/feature",
                              "push-" + std::to_string(id));
            });
            feature_tip = s;
        } else if (r < 48 && tips.size() > 2) {
            // Force push back to an earlier tip.
            const std::string target =
                tips[static_cast<std::size_t>(roll(static_cast<int>(tips.size()) - 1))];
            const std::string old_sha = tip;
            const int id = next_push++;
            plan(step, [=](TrackingTest& f) {
                as(f).do_push(id, t, old_sha, target, {}, "refs/heads/main",
                              "push-" + std::to_string(id));
            });
            tip = target;
            tips.push_back(tip);
        } else if (r < 75) {
            // A pipeline run: its build (staging) and its Deploy stage (prod-stage).
            std::string s = tip;
            if (!deployed.empty() && roll(100) < 12)
                s = deployed[static_cast<std::size_t>(roll(static_cast<int>(deployed.size())))];
            const int q = roll(100);
            const std::string result = q < 78 ? "succeeded" : q < 93 ? "failed" : "canceled";
            const int id = next_build++;
            deployed.push_back(s);
            const Timestamp finish = t + std::chrono::seconds{30};
            // The stage completes before the build; the build often arrives later.
            const std::string stage_result = roll(100) < 85 ? "succeeded" : "failed";
            plan(step, [=](TrackingTest& f) {
                as(f).raw(stage_type,
                          envelope("stage-" + std::to_string(id), stage_type,
                                   stage_resource(id, "web-api-ci", "Deploy", "completed",
                                                  stage_result, 1),
                                   t),
                          t);
            });
            if (roll(100) < 6) {  // a re-run of the stage, later
                const Timestamp rerun = t + std::chrono::minutes{1 + roll(20)};
                plan(step + 3, [=](TrackingTest& f) {
                    as(f).raw(stage_type,
                              envelope("stage-" + std::to_string(id) + "-2", stage_type,
                                       stage_resource(id, "web-api-ci", "Deploy", "completed",
                                                      "succeeded", 2),
                                       rerun),
                              rerun);
                });
            }
            plan(step + roll(4), [=](TrackingTest& f) { as(f).do_build(id, s, result, finish); });
        } else if (r < 82) {
            // A classic release and, from the work queue, its artifact's sha.
            const int id = next_release++;
            std::string s = tip;
            if (!deployed.empty() && roll(100) < 15)
                s = deployed[static_cast<std::size_t>(roll(static_cast<int>(deployed.size())))];
            const std::string status = roll(100) < 85 ? "succeeded" : "failed";
            plan(step, [=](TrackingTest& f) {
                as(f).raw(release_type,
                          envelope("release-" + std::to_string(id), release_type,
                                   release_resource(id, "web-api", "Prod", status), t),
                          t);
            });
            plan(step + roll(6), [=](TrackingTest& f) {
                as(f).raw(std::string(k_release_artifact_event_type),
                          make_release_artifact_record({id, s}), t,
                          "artifact-" + std::to_string(id));
            });
        } else if (r < 88) {
            const std::string s =
                !deployed.empty() && roll(2) == 0
                    ? deployed[static_cast<std::size_t>(roll(static_cast<int>(deployed.size())))]
                    : tip;
            const auto status = roll(100) < 85 ? DeployStatus::succeeded : DeployStatus::failed;
            plan(step, [=](TrackingTest& f) { as(f).do_register(s, t, status); });
        } else if (r >= 92) {
            // A pull request completed into main (merge, squash or rebase),
            // with its reviews, comments and REST answer arriving in any order.
            PullRequest p;
            p.id = next_pr++;
            p.created = t - std::chrono::minutes{1 + roll(120)};
            p.source = roll(4) == 0 ? "refs/heads/hotfix/fix-" + std::to_string(p.id)
                                    : "refs/heads/feature/f-" + std::to_string(p.id);
            const int strategy = roll(3);
            p.strategy = strategy == 0 ? "noFastForward" : strategy == 1 ? "squash" : "rebase";
            std::vector<Commit> own;
            const int n = 1 + roll(3);
            for (int i = 0; i < n; ++i)
                own.insert(own.begin(), Commit{sha(next_sha++), "work", "dev@example.com",
                                               p.created - std::chrono::minutes{roll(200)}});
            std::vector<Commit> pushed;  // newest first
            std::string merge;
            if (strategy == 1) {
                merge = sha(next_sha++);
                pushed = {Commit{merge, "Merged PR " + std::to_string(p.id), "dev@example.com", t}};
            } else if (strategy == 2) {
                for (const auto& c : own)  // rebased copies
                    pushed.push_back(Commit{sha(next_sha++), c.message, c.email, c.authored});
                merge = pushed.front().sha;
            } else {
                merge = sha(next_sha++);
                pushed = own;
                pushed.insert(pushed.begin(), Commit{merge, "Merged PR " + std::to_string(p.id),
                                                     "dev@example.com", t});
            }
            const std::string pr_key = "pr-" + std::to_string(p.id);
            plan(step, [=](TrackingTest& f) {
                as(f).do_pull_request("git.pullrequest.created", p, p.created, pr_key + "-c");
            });
            PullRequest voted = p;
            for (int v = 0; v < roll(3); ++v) {
                const std::string who = roll(4) == 0 ? p.author : "rev-" + std::to_string(roll(3));
                voted.reviewers.emplace_back(who, roll(2) == 0 ? 10 : -5);
                const Timestamp when = p.created + std::chrono::minutes{roll(150) - 10};
                const std::string id = pr_key + "-v" + std::to_string(v);
                plan(step, [=](TrackingTest& f) {
                    as(f).do_pull_request("git.pullrequest.updated", voted, when, id);
                });
            }
            std::vector<PrComment> comments;
            for (int c = 0; c < roll(3); ++c) {
                PrComment comment{roll(4) == 0 ? p.author : "rev-" + std::to_string(roll(3)),
                                  p.created + std::chrono::minutes{roll(150) - 10},
                                  roll(5) == 0 ? "system" : "text"};
                comments.push_back(comment);
                const std::string id = pr_key + "-n" + std::to_string(c);
                if (roll(2) == 0)
                    plan(step,
                         [=](TrackingTest& f) { as(f).do_pull_request_comment(p, comment, id); });
            }
            PullRequest completed = p;
            completed.status = "completed";
            completed.closed = t;
            completed.merge_sha = merge;
            completed.target_sha = tip;
            plan(step, [=](TrackingTest& f) {
                as(f).do_pull_request("git.pullrequest.updated", completed, t, pr_key + "-done");
            });
            if (roll(3) != 0) {
                std::optional<std::vector<std::pair<std::string, Timestamp>>> listed;
                if (roll(5) != 0) {
                    listed.emplace();
                    for (const auto& c : own) listed->emplace_back(c.sha, c.authored);
                }
                plan(step + roll(10), [=](TrackingTest& f) {
                    as(f).do_pull_request_rest(completed, listed, comments, pr_key + "-rest",
                                               t + std::chrono::minutes{5});
                });
            }
            const std::string old_sha = tip.empty() ? k_zero : tip;
            const int id = next_push++;
            plan(step, [=](TrackingTest& f) {
                as(f).do_push(id, t, old_sha, merge, pushed, "refs/heads/main",
                              "push-" + std::to_string(id));
            });
            tip = merge;
            tips.push_back(tip);
        } else if (r < 92) {
            // An incident: created now or a while ago, closed later or never.
            WorkItem bug{.id = 500 + next_bug++, .created = at((step - roll(30)) * unit)};
            if (roll(4) == 0 && !tips.empty())
                bug.linked_commits = {
                    tips[static_cast<std::size_t>(roll(static_cast<int>(tips.size())))]};
            plan(step, [=](TrackingTest& f) { as(f).do_work_item("created", bug, bug.created); });
            if (roll(3) != 0) {
                WorkItem closed = bug;
                closed.rev = 2;
                closed.state = "Closed";
                closed.changed = at((step + 1 + roll(40)) * unit);
                plan(step + 1 + roll(40), [=](TrackingTest& f) {
                    as(f).do_work_item("updated", closed, *closed.changed);
                });
                if (roll(3) == 0) {  // reopened, then closed again (or untagged)
                    WorkItem reopened = closed;
                    reopened.rev = 3;
                    reopened.state = "Active";
                    reopened.changed = *closed.changed + std::chrono::minutes{unit};
                    WorkItem again = reopened;
                    again.rev = 4;
                    again.state = "Closed";
                    again.changed = *reopened.changed + std::chrono::minutes{unit * 5};
                    if (roll(4) == 0) again.tags = "customer";
                    plan(step + 1 + roll(40), [=](TrackingTest& f) {
                        as(f).do_work_item("updated", reopened, *reopened.changed);
                    });
                    plan(step + 1 + roll(40), [=](TrackingTest& f) {
                        as(f).do_work_item("updated", again, *again.changed);
                    });
                }
            }
        } else if (r < 96) {
            // An incident from register_impact or Azure Monitor: triggered
            // now or a while ago, resolved later or never, sometimes
            // reopened and resolved again; each transition may arrive late.
            const bool monitor = roll(2) == 0;
            ImpactRecord base;
            base.source = monitor ? "alerts" : "pager";
            base.kind = monitor ? config::IncidentSourceKind::azure_monitor
                                : config::IncidentSourceKind::api;
            base.external_id = "ext-" + std::to_string(next_bug++);
            base.title = "outage";
            const Timestamp opened = at(step - roll(30));
            std::vector<std::pair<handlers::ImpactType, Timestamp>> moves = {
                {handlers::ImpactType::triggered, opened}};
            if (roll(3) != 0) {
                const int closed = step + 1 + roll(40);
                moves.push_back({handlers::ImpactType::resolved, at(closed)});
                if (roll(4) == 0) {
                    moves.push_back({handlers::ImpactType::reopened, at(closed + 5)});
                    if (roll(2) == 0)
                        moves.push_back({handlers::ImpactType::resolved, at(closed + 9)});
                }
            }
            int n = 0;
            for (const auto& [type, when] : moves) {
                ImpactRecord record = base;
                record.type = type;
                record.date = when;
                // A Resolved alert also says when it fired.
                if (monitor && type == handlers::ImpactType::resolved) record.opened_at = opened;
                const std::string event_id = base.external_id + "-" + std::to_string(n++);
                plan(step + n * roll(20),
                     [=](TrackingTest& f) { as(f).do_impact(record, event_id); });
            }
        }
    }
    std::stable_sort(h.events.begin(), h.events.end(), [](const Planned& a, const Planned& b) {
        return std::tie(a.due, a.order) < std::tie(b.due, b.order);
    });
    h.minutes = steps * unit;
    return h;
}

TEST_F(IncrementalHistoryTest, IncrementalDerivationEqualsReindex) {
    std::size_t total_deploys = 0;
    // The third history spreads over ~10 days: late events land in earlier
    // days, whose tr_deploy_days rows must come out as a reindex writes them.
    for (const auto& run : {std::pair{3u, 1}, {17u, 1}, {256u, 37}}) {
        const unsigned seed = run.first;
        SCOPED_TRACE("seed " + std::to_string(seed));
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();

        std::mt19937 rng(seed);
        auto history = generate(rng, 400, run.second);
        begin_batch();
        for (std::size_t i = 0; i < history.events.size(); ++i) {
            history.events[i].deliver(*this);
            if (i % 8 == 7) {
                end_batch();
                begin_batch();
            }
        }
        end_batch();

        const std::string live_tables = dump();
        const std::string live_deploys = all_json();
        const std::string live_metrics = metrics(history.minutes);
        ASSERT_OK(reindex(*m_store, *m_config));
        EXPECT_EQ(all_json(), live_deploys);
        EXPECT_EQ(metrics(history.minutes), live_metrics);
        // The first differing table row, when there is one, says most.
        auto same_tables = [&](const std::string& rebuilt) {
            if (rebuilt == live_tables) return;
            std::size_t i = 0;
            while (i < rebuilt.size() && i < live_tables.size() && rebuilt[i] == live_tables[i])
                ++i;
            const std::size_t from = live_tables.rfind('\n', i) == std::string::npos
                                         ? 0
                                         : live_tables.rfind('\n', i) + 1;
            ADD_FAILURE() << "derived tables differ at byte " << i << ":\nlive:    "
                          << ::testing::PrintToString(live_tables.substr(from, 300))
                          << "\nreindex: " << ::testing::PrintToString(rebuilt.substr(from, 300));
        };
        same_tables(dump());
        // Derived in chunks of a few deploys (each chunk continues from the
        // rows the previous one committed, as late arrivals would): the same
        // bytes as the one-pass derivation.
        // The sha-keyed facts queued while replaying are spilled in sorted
        // runs of one entry (chunk 1) or a few (chunk 7) and merged.
        for (std::size_t chunk : {1u, 7u}) {
            SCOPED_TRACE("derive chunk " + std::to_string(chunk));
            ASSERT_OK(reindex(*m_store, *m_config, {}, chunk, chunk == 1 ? 1 : 4096));
            same_tables(dump());
            EXPECT_TRUE(all_json() == live_deploys);
            EXPECT_TRUE(metrics(history.minutes) == live_metrics);
        }
        std::size_t with_prs = 0, squashed = 0, rework = 0;
        for (const auto& d : m_config->deployments) {
            auto list = deploys(d.name, d.environment);
            EXPECT_GT(list.size(), 8u) << d.environment;  // every trigger takes part
            total_deploys += list.size();
            for (const auto& v : list) {
                with_prs += v.pull_requests.empty() ? 0 : 1;
                rework += v.rework == Rework::none ? 0 : 1;
                for (const auto& c : v.commits) squashed += c.lead_from ? 1 : 0;
            }
        }
        // Pull requests, squash lead times and rework take part too.
        EXPECT_GT(with_prs, 10u);
        EXPECT_GT(squashed, 3u);
        EXPECT_GT(rework, 5u);
    }
    std::printf("incremental histories: %zu deploys\n", total_deploys);
}

}  // namespace incremental

}  // namespace
}  // namespace shiplog::tracking::test
