// The reference test for pull requests, rework and batch size: seeded
// histories of direct pushes, pull requests completed by merge, squash and
// rebase (with votes, comments, group and self reviews, REST answers with and
// without their commits), builds that deploy the tip, fail, or roll back,
// incidents and their fixes, delivered in a random order with redeliveries.
// The figures must equal, exactly, an independent computation of the
// definitions (docs/reference/definitions.md) from the generated truth — a
// linear history whose commit sets are plain index ranges.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "tracking/dora.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

struct TrueCommit {
    std::string sha;
    Timestamp authored{};
    Timestamp pushed{};  // the date of the push that brought it
    int pr = 0;          // the pull request whose completion brought it; 0: direct
    std::vector<std::int64_t> work_items;
};

struct TruePr {
    int id = 0;
    std::string source;
    std::string merge;
    bool squash = false;
    Timestamp created{}, closed{};
    std::optional<Timestamp> first_commit;  // known to shiplog
    std::optional<Timestamp> first_review;  // as the definitions say
};

struct TrueDeploy {
    Timestamp at{};
    std::string sha;
    bool succeeded = true;
};

struct TrueIncident {
    std::int64_t id = 0;
    Timestamp created{};
    std::optional<Timestamp> closed;
};

struct Truth {
    std::vector<TrueCommit> chain;  // main, oldest first
    std::map<std::string, std::size_t> index;
    std::vector<std::vector<std::size_t>> pushes;  // commit indexes per push, in order
    std::map<std::string, std::size_t> push_of_tip;
    std::map<int, TruePr> prs;
    std::vector<TrueDeploy> deploys;  // time order
    std::vector<TrueIncident> incidents;
    std::vector<std::function<void(TrackingTest&)>> events;
    int steps = 0;
};

class PullRequestReferenceTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        auto d = deployment("web-api", "production", config::Trigger::build);
        d.pipeline = "web-api-ci";
        m_config->deployments = {d};
        m_config->failures.hotfix_branches = {"hotfix/*"};
    }

  public:
    void do_push(int id, Timestamp t, const std::string& old_sha, const std::string& new_sha,
                 const std::vector<Commit>& commits, const std::string& event_id) {
        push(id, t, old_sha, new_sha, commits, "refs/heads/main", event_id);
    }
    void do_build(int id, const std::string& s, const std::string& result, Timestamp t) {
        build(id, s, result, t);
    }
    void do_work_item(const std::string& change, const WorkItem& w, Timestamp when) {
        work_item(change, w, when);
    }
    void do_pr(const std::string& type, const PullRequest& p, Timestamp when,
               const std::string& id) {
        pull_request(type, p, when, id);
    }
    void do_comment(const PullRequest& p, const PrComment& c, const std::string& id) {
        pull_request_comment(p, c, id);
    }
    void do_rest(const PullRequest& p,
                 const std::optional<std::vector<std::pair<std::string, Timestamp>>>& commits,
                 const std::vector<PrComment>& comments, const std::string& id, Timestamp when) {
        pull_request_rest(p, commits, comments, id, when);
    }
};

PullRequestReferenceTest& as(TrackingTest& f) {
    return static_cast<PullRequestReferenceTest&>(f);
}

Truth generate(std::mt19937& rng, int steps) {
    Truth g;
    g.steps = steps;
    auto roll = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    unsigned next_sha = 1;
    int next_push = 1, next_build = 1, next_pr = 1;
    std::string tip;
    std::vector<std::string> succeeded_shas;
    auto minutes = [](int m) { return std::chrono::minutes{m}; };

    // Appends a push of `commits` (oldest first) to main.
    auto add_push = [&](Timestamp t, std::vector<TrueCommit> commits,
                        const std::vector<std::string>& messages) {
        std::vector<Commit> listed;  // newest first, as Azure DevOps lists them
        std::vector<std::size_t> indexes;
        for (std::size_t i = 0; i < commits.size(); ++i) {
            commits[i].pushed = t;
            listed.insert(listed.begin(), Commit{commits[i].sha, messages[i], "dev@example.com",
                                                 commits[i].authored});
            g.index[commits[i].sha] = g.chain.size();
            indexes.push_back(g.chain.size());
            g.chain.push_back(commits[i]);
        }
        const std::string old_sha = tip.empty() ? k_zero : tip;
        tip = commits.back().sha;
        g.push_of_tip[tip] = g.pushes.size();
        g.pushes.push_back(indexes);
        const int id = next_push++;
        const std::string new_sha = tip;
        g.events.push_back([=](TrackingTest& f) {
            as(f).do_push(id, t, old_sha, new_sha, listed, "push-" + std::to_string(id));
        });
        if (roll(20) == 0)  // the same push from REST, under another event id
            g.events.push_back([=](TrackingTest& f) {
                as(f).do_push(id, t, old_sha, new_sha, listed, "rest-push-" + std::to_string(id));
            });
    };

    for (int step = 0; step < steps; ++step) {
        const Timestamp t = at(step * 10);
        const int r = roll(100);
        if (tip.empty() || r < 25) {
            // Direct commits, sometimes fixing an incident.
            std::vector<TrueCommit> commits;
            std::vector<std::string> messages;
            for (int i = 0, n = 1 + roll(3); i < n; ++i) {
                TrueCommit c{sha(next_sha++), t - minutes(roll(500)), {}, 0, {}};
                std::string message = "change";
                if (!g.incidents.empty() && roll(3) == 0) {
                    const auto id = g.incidents[static_cast<std::size_t>(
                                                    roll(static_cast<int>(g.incidents.size())))]
                                        .id;
                    message = "Fixes AB#" + std::to_string(id);
                    c.work_items.push_back(id);
                }
                commits.push_back(c);
                messages.push_back(message);
            }
            add_push(t, commits, messages);
        } else if (r < 55) {
            // A pull request, completed now by merge, squash or rebase.
            TruePr pr;
            pr.id = next_pr++;
            pr.created = t - minutes(5 + roll(600));
            pr.closed = t;
            pr.source = roll(4) == 0
                            ? (roll(3) == 0 ? "refs/heads/hotfix/a/b" : "refs/heads/hotfix/x")
                            : "refs/heads/feature/f" + std::to_string(pr.id);
            const int strategy = roll(3);
            pr.squash = strategy == 1;
            std::vector<std::pair<std::string, Timestamp>> own;
            for (int i = 0, n = 1 + roll(3); i < n; ++i)
                own.emplace_back(sha(next_sha++),
                                 pr.created - minutes(roll(900)) + minutes(roll(30)));
            std::vector<TrueCommit> pushed;
            std::vector<std::string> messages;
            if (strategy == 1) {
                pushed.push_back({sha(next_sha++), t, {}, pr.id, {}});
                messages.push_back("Merged PR " + std::to_string(pr.id));
            } else if (strategy == 2) {
                for (const auto& o : own) {
                    pushed.push_back({sha(next_sha++), o.second, {}, pr.id, {}});
                    messages.push_back("rebased");
                }
            } else {
                for (const auto& o : own) {
                    pushed.push_back({o.first, o.second, {}, pr.id, {}});
                    messages.push_back("work");
                }
                pushed.push_back({sha(next_sha++), t, {}, pr.id, {}});
                messages.push_back("Merged PR " + std::to_string(pr.id));
            }
            pr.merge = pushed.back().sha;

            PullRequest p;
            p.id = pr.id;
            p.author = "author-" + std::to_string(roll(3));
            p.source = pr.source;
            p.created = pr.created;
            const std::string key = "pr-" + std::to_string(pr.id);
            g.events.push_back([=](TrackingTest& f) {
                as(f).do_pr("git.pullrequest.created", p, p.created, key + "-c");
            });
            std::optional<Timestamp> review;
            auto consider = [&](const std::string& who, Timestamp when) {
                if (who == p.author || when < pr.created || when > pr.closed) return;
                if (!review || when < *review) review = when;
            };
            // Votes: each update delivery shows the votes cast so far.
            PullRequest voted = p;
            for (int v = 0, n = roll(4); v < n; ++v) {
                const int kind = roll(6);
                const Timestamp when = pr.created + minutes(roll(700) - 30);
                if (kind == 0) {
                    voted.groups.push_back("team-" + std::to_string(v));  // never counts
                } else {
                    const std::string who = kind == 1 ? p.author : "rev-" + std::to_string(roll(3));
                    const int vote = kind == 2 ? 0 : (roll(2) ? 10 : -5);
                    voted.reviewers.emplace_back(who, vote);
                }
                // A vote counts at the first delivery (by createdDate) that shows it.
                for (const auto& [who, vote] : voted.reviewers)
                    if (vote != 0) consider(who, when);
                const PullRequest shown = voted;
                const std::string id = key + "-v" + std::to_string(v);
                g.events.push_back([=](TrackingTest& f) {
                    as(f).do_pr("git.pullrequest.updated", shown, when, id);
                });
            }
            // Comments: by delivery, in the REST threads, or both.
            std::vector<PrComment> comments;
            const bool rest = roll(4) != 0;
            for (int c = 0, n = roll(4); c < n; ++c) {
                PrComment comment{roll(4) == 0 ? p.author : "rev-" + std::to_string(roll(3)),
                                  pr.created + minutes(roll(700) - 30),
                                  roll(5) == 0 ? "system" : "text"};
                comments.push_back(comment);
                const bool delivered = roll(2) == 0;
                if (delivered) {
                    const std::string id = key + "-n" + std::to_string(c);
                    g.events.push_back([=](TrackingTest& f) { as(f).do_comment(p, comment, id); });
                }
                if ((delivered || rest) && comment.type == "text")
                    consider(comment.author, comment.published);
            }
            pr.first_review = review;
            PullRequest completed = p;
            completed.status = "completed";
            completed.closed = pr.closed;
            completed.merge_sha = pr.merge;
            completed.target_sha = tip;
            completed.strategy = strategy == 0   ? "noFastForward"
                                 : strategy == 1 ? "squash"
                                                 : "rebase";
            g.events.push_back([=](TrackingTest& f) {
                as(f).do_pr("git.pullrequest.updated", completed, completed.closed.value(),
                            key + "-done");
            });
            if (rest) {
                std::optional<std::vector<std::pair<std::string, Timestamp>>> listed;
                if (roll(5) != 0) {
                    listed = own;
                    for (const auto& o : own)
                        if (!pr.first_commit || o.second < *pr.first_commit)
                            pr.first_commit = o.second;
                }
                g.events.push_back([=](TrackingTest& f) {
                    as(f).do_rest(completed, listed, comments, key + "-rest", t + minutes(3));
                });
            }
            g.prs[pr.id] = pr;
            add_push(t, pushed, messages);
        } else if (r < 85) {
            // A build: the tip (sometimes failing), or a rollback to an earlier success.
            TrueDeploy d{t + std::chrono::seconds{30}, tip, true};
            if (!succeeded_shas.empty() && roll(100) < 12)
                d.sha = succeeded_shas[static_cast<std::size_t>(
                    roll(static_cast<int>(succeeded_shas.size())))];
            else if (roll(100) < 15)
                d.succeeded = false;
            if (d.succeeded) succeeded_shas.push_back(d.sha);
            g.deploys.push_back(d);
            const int id = next_build++;
            g.events.push_back([=](TrackingTest& f) {
                as(f).do_build(id, d.sha, d.succeeded ? "succeeded" : "failed", d.at);
            });
        } else if (r < 92) {
            TrueIncident incident{700 + static_cast<std::int64_t>(g.incidents.size()),
                                  t - minutes(roll(60)), std::nullopt};
            WorkItem bug{.id = static_cast<int>(incident.id), .created = incident.created};
            g.events.push_back(
                [=](TrackingTest& f) { as(f).do_work_item("created", bug, bug.created); });
            if (roll(3) != 0) {
                incident.closed = t + minutes(5 + roll(200));
                WorkItem closed = bug;
                closed.rev = 2;
                closed.state = "Closed";
                closed.changed = incident.closed;
                g.events.push_back([=](TrackingTest& f) {
                    as(f).do_work_item("updated", closed, *closed.changed);
                });
            }
            g.incidents.push_back(incident);
        }
    }
    // Redeliveries (same event id), then any order.
    for (int i = 0, n = static_cast<int>(g.events.size()) / 20; i < n; ++i)
        g.events.push_back(
            g.events[static_cast<std::size_t>(roll(static_cast<int>(g.events.size())))]);
    std::shuffle(g.events.begin(), g.events.end(), rng);
    return g;
}

// ---- the independent computation -------------------------------------------

std::int64_t secs(Timestamp from, Timestamp to) {
    if (to <= from) return 0;
    return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

std::optional<double> ref_median(std::vector<std::int64_t> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    if (n % 2) return static_cast<double>(v[n / 2]);
    return (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2.0;
}

std::optional<std::int64_t> ref_p90(std::vector<std::int64_t> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    std::size_t rank = (9 * v.size() + 9) / 10;  // ceil(0.9 n)
    return v[rank - 1];
}

bool hotfix(const std::string& source) {
    const std::string prefix = "refs/heads/hotfix/";
    return source.rfind(prefix, 0) == 0 && source.find('/', prefix.size()) == std::string::npos &&
           source.size() > prefix.size();
}

struct Expected {
    std::int64_t deploys = 0, lead_commits = 0, prs = 0, direct = 0, rework = 0;
    std::optional<double> lead_median, rework_rate, batch_median;
    std::optional<std::int64_t> lead_p90;
    Spread coding, pickup, review, deploy;
    std::int64_t sizes[4] = {0, 0, 0, 0};
};

Expected reference(const Truth& g, Timestamp since, Timestamp until) {
    Expected e;
    std::set<std::string> shipped;
    std::optional<std::string> prev;
    std::vector<std::string> succeeded_before;
    std::optional<Timestamp> first_success;
    std::vector<std::int64_t> lead, coding, pickup, review, deploy, batch;
    std::int64_t succeeded_in_window = 0;
    std::map<std::string, int> pr_of_merge;
    for (const auto& [id, pr] : g.prs) pr_of_merge[pr.merge] = id;
    for (const auto& d : g.deploys) {
        // Its commit set.
        const bool seen = std::find(succeeded_before.begin(), succeeded_before.end(), d.sha) !=
                          succeeded_before.end();
        const bool rollback = d.succeeded && seen && prev && *prev != d.sha;
        std::vector<std::size_t> set;
        if (!prev) {
            set = g.pushes[g.push_of_tip.at(d.sha)];
        } else if (!rollback && *prev != d.sha) {
            for (std::size_t i = g.index.at(*prev) + 1; i <= g.index.at(d.sha); ++i)
                set.push_back(i);
        }
        const bool window = d.at >= since && d.at < until;
        if (d.succeeded) {
            if (!first_success) first_success = d.at;
            std::set<std::int64_t> work_items;
            std::int64_t prs = 0;
            bool fix = false, hot = false;
            for (auto i : set) {
                const auto& c = g.chain[i];
                work_items.insert(c.work_items.begin(), c.work_items.end());
                for (auto id : c.work_items)
                    for (const auto& incident : g.incidents)
                        if (incident.id == id && incident.created >= *first_success &&
                            incident.created <= c.pushed &&
                            (!incident.closed || c.pushed < *incident.closed))
                            fix = true;
                auto merged = pr_of_merge.find(c.sha);
                if (merged == pr_of_merge.end()) continue;
                ++prs;
                const auto& pr = g.prs.at(merged->second);
                if (hotfix(pr.source)) hot = true;
                if (shipped.count(c.sha) || !window) continue;
                ++e.prs;
                if (pr.first_commit) coding.push_back(secs(*pr.first_commit, pr.created));
                const Timestamp first = pr.first_review.value_or(pr.closed);
                pickup.push_back(secs(pr.created, first));
                review.push_back(secs(first, pr.closed));
                deploy.push_back(secs(pr.closed, d.at));
            }
            for (auto i : set) {
                const auto& c = g.chain[i];
                if (!shipped.insert(c.sha).second || !window) continue;
                Timestamp start = c.authored;
                auto merged = pr_of_merge.find(c.sha);
                if (merged != pr_of_merge.end() && g.prs.at(merged->second).squash &&
                    g.prs.at(merged->second).first_commit)
                    start = *g.prs.at(merged->second).first_commit;
                lead.push_back(secs(start, d.at));
                if (c.pr == 0) ++e.direct;
            }
            if (window) {
                ++succeeded_in_window;
                ++e.deploys;
                if (rollback || fix || hot) ++e.rework;
                const auto n = static_cast<std::int64_t>(set.size());
                batch.push_back(n);
                ++e.sizes[n <= 5 ? 0 : n <= 20 ? 1 : n <= 100 ? 2 : 3];
            }
            (void)prs;
            succeeded_before.push_back(d.sha);
            prev = d.sha;
        }
    }
    e.lead_commits = static_cast<std::int64_t>(lead.size());
    e.lead_median = ref_median(lead);
    e.lead_p90 = ref_p90(lead);
    e.coding = {ref_median(coding), ref_p90(coding)};
    e.pickup = {ref_median(pickup), ref_p90(pickup)};
    e.review = {ref_median(review), ref_p90(review)};
    e.deploy = {ref_median(deploy), ref_p90(deploy)};
    if (succeeded_in_window > 0)
        e.rework_rate = std::round(static_cast<double>(e.rework) /
                                   static_cast<double>(succeeded_in_window) * 10000.0) /
                        10000.0;
    e.batch_median = ref_median(batch);
    return e;
}

void expect_spread(const Spread& got, const Spread& want, const char* what) {
    EXPECT_EQ(got.median, want.median) << what;
    EXPECT_EQ(got.p90, want.p90) << what;
}

TEST_F(PullRequestReferenceTest, FiguresEqualAnIndependentComputationWhateverTheOrder) {
    std::int64_t total_prs = 0, total_rework = 0;
    for (unsigned seed : {1u, 9u, 77u, 2026u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        m_projector.reset();
        m_store.reset();
        std::filesystem::remove_all(m_dir / "store");
        reopen();
        std::mt19937 rng(seed);
        auto truth = generate(rng, 160);
        begin_batch();
        for (std::size_t i = 0; i < truth.events.size(); ++i) {
            truth.events[i](*this);
            if (i % 16 == 15) {
                end_batch();
                begin_batch();
            }
        }
        end_batch();
        ASSERT_EQ(deploys().size(), truth.deploys.size());

        const std::pair<int, int> windows[] = {
            {-10000, truth.steps * 10 + 10000}, {truth.steps * 3, truth.steps * 7}, {100, 400}};
        for (const auto& [from, to] : windows) {
            const Expected want = reference(truth, at(from), at(to));
            for (bool explain : {false, true}) {
                SCOPED_TRACE(std::to_string(from) + ".." + std::to_string(to) +
                             (explain ? " explain" : " index"));
                auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
                DoraQuery q;
                q.since = at(from);
                q.until = at(to);
                q.explain = explain;
                auto got = query_dora(txn, m_projector->tables(), *m_config, q);
                ASSERT_OK(got);
                EXPECT_EQ(got->deploys, want.deploys);
                EXPECT_EQ(got->lead_time_commits, want.lead_commits);
                EXPECT_EQ(got->lead_time_median, want.lead_median);
                EXPECT_EQ(got->lead_time_p90, want.lead_p90);
                EXPECT_EQ(got->pull_requests, want.prs);
                EXPECT_EQ(got->direct_commits, want.direct);
                expect_spread(got->coding, want.coding, "coding");
                expect_spread(got->pickup, want.pickup, "pickup");
                expect_spread(got->review, want.review, "review");
                expect_spread(got->deploy, want.deploy, "deploy");
                EXPECT_EQ(got->rework_deploys, want.rework);
                EXPECT_EQ(got->rework_rate, want.rework_rate);
                EXPECT_EQ(got->batch_median_commits, want.batch_median);
                for (int k = 0; k < 4; ++k) EXPECT_EQ(got->batch_counts[k], want.sizes[k]) << k;
                if (from < 0) {
                    total_prs += explain ? 0 : want.prs;
                    total_rework += explain ? 0 : want.rework;
                }
            }
        }
    }
    // The histories exercise what they are meant to.
    EXPECT_GT(total_prs, 60);
    EXPECT_GT(total_rework, 10);
}

}  // namespace
}  // namespace shiplog::tracking::test
