// DORA definitions (SPEC §4, §5) on plain inputs: hand-computed cases for
// every figure and its edge cases, and a seeded randomised comparison with a
// deliberately simple reference implementation.
#include "tracking/dora.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "common/time_format.hpp"

namespace shiplog::tracking::test {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Timestamp t(const char* text) {
    return *parse_rfc3339(text);
}

const Timestamp k_day0 = t("2026-11-01T00:00:00Z");
Timestamp day(int d, int h = 0) {
    return k_day0 + hours{24 * d + h};
}

std::string sha(int n) {
    return std::string(39, '0') + static_cast<char>('a' + n % 26);
}

struct Commit {
    std::string sha;
    Timestamp authored;
};

DeployView deploy(std::uint64_t seq, Timestamp at, std::string s,
                  DeployStatus status = DeployStatus::succeeded, Failure failure = Failure::none,
                  std::vector<Commit> commits = {}, std::vector<std::string> incidents = {}) {
    DeployView v;
    v.deployment = "web-api";
    v.environment = "production";
    v.seq = seq;
    v.deployed_at = at;
    v.sha = std::move(s);
    v.status = status;
    v.failure =
        failure == Failure::none && status == DeployStatus::failed ? Failure::failed : failure;
    for (auto& c : commits) {
        CommitView cv;
        cv.sha = c.sha;
        cv.authored_at = c.authored;
        v.commits.push_back(cv);
    }
    v.incidents = std::move(incidents);
    v.commits_complete = true;
    return v;
}

DeploySeries series(std::vector<DeployView> deploys, std::string env = "production") {
    for (auto& d : deploys) d.environment = env;
    return {"web-api", env, std::move(deploys), {}};
}

IncidentView incident(std::int64_t id, Timestamp created, std::optional<Timestamp> restored) {
    IncidentView i;
    i.id = "boards:" + std::to_string(id);
    i.source = "boards";
    i.project = "Contoso";
    i.state = restored ? "Closed" : "Active";
    i.created_at = created;
    i.restored_at = restored;
    return i;
}

TEST(DoraTest, EmptyWindowHasNullsNotZeros) {
    auto f = compute_dora({series({})}, {}, day(0), day(30));
    EXPECT_EQ(
        dora_json(f),
        R"({"deployment":null,"environment":null,"since":"2026-11-01T00:00:00Z","until":"2026-12-01T00:00:00Z",)"
        R"("deploys":0,"deploys_per_day":0.0,"deploy_days":0,)"
        R"("lead_time_seconds":{"median":null,"p90":null,"commits":0},"change_failure_rate":null,)"
        R"("time_to_restore_seconds":{"median":null,"failures":0},)"
        R"("lead_time_breakdown_seconds":{"coding":{"median":null,"p90":null},)"
        R"("pickup":{"median":null,"p90":null},"review":{"median":null,"p90":null},)"
        R"("deploy":{"median":null,"p90":null},"pull_requests":0,"direct_commits":0},)"
        R"("rework_rate":null,"batch_size":{"median_commits":null,"S":0,"M":0,"L":0,"XL":0}})");
    // A zero-length window: deploys per day has no denominator either.
    auto empty = compute_dora({series({deploy(1, day(0), sha(1))})}, {}, day(0), day(0));
    EXPECT_FALSE(empty.deploys_per_day);
    EXPECT_EQ(empty.deploys, 0);
    // Deploys outside the window do not count.
    auto outside = compute_dora({series({deploy(1, day(-1), sha(1)), deploy(2, day(30), sha(2))})},
                                {}, day(0), day(30));
    EXPECT_EQ(outside.deploys, 0);
    EXPECT_FALSE(outside.change_failure_rate);
}

TEST(DoraTest, DeploysPerDayAndDeployDaysUseUtcDays) {
    auto f = compute_dora({series({
                              deploy(1, day(0, 1), sha(1)),
                              deploy(2, day(0, 23), sha(2)),
                              deploy(3, day(1, 0), sha(3)),
                              deploy(4, day(2, 5), sha(4), DeployStatus::failed),  // not a deploy
                              deploy(5, day(3, 12), sha(5)),
                          })},
                          {}, day(0), day(4));
    EXPECT_EQ(f.deploys, 4);
    EXPECT_EQ(f.deploy_days, 3);  // days 0, 1, 3
    ASSERT_TRUE(f.deploys_per_day);
    EXPECT_DOUBLE_EQ(*f.deploys_per_day, 1.0);
    EXPECT_EQ(format_rate(*f.deploys_per_day), "1.0");
    // 1 failed change of 5: 0.2.
    EXPECT_EQ(format_rate(*f.change_failure_rate), "0.2");
}

TEST(DoraTest, ChangeFailureRateRoundsToFourDecimals) {
    std::vector<DeployView> d;
    for (int i = 0; i < 31; ++i)
        d.push_back(deploy(i + 1, day(0, i % 24) + minutes{i}, sha(i), DeployStatus::succeeded,
                           i < 3 ? Failure::incident : Failure::none));
    auto f = compute_dora({series(d)}, {}, day(0), day(31));
    EXPECT_EQ(format_rate(*f.change_failure_rate), "0.0968");  // 3 / 31
    EXPECT_EQ(format_rate(*f.deploys_per_day), "1.0");
}

TEST(DoraTest, LeadTimeCountsTheFirstSucceededDeployAfterAFailedOne) {
    // c1 is in the failed deploy's range but ships with the later success.
    auto f = compute_dora(
        {series({
            deploy(1, day(1), sha(1), DeployStatus::failed, Failure::none, {{"c1", day(0)}}),
            deploy(2, day(2), sha(1), DeployStatus::succeeded, Failure::none,
                   {{"c1", day(0)}, {"c2", day(1, 12)}}),
            // c2 again (e.g. a redeploy listing it): not first shipped here.
            deploy(3, day(3), sha(3), DeployStatus::succeeded, Failure::none,
                   {{"c2", day(1, 12)}, {"c3", day(4)}}),  // authored after: clamp 0
        })},
        {}, day(0), day(10));
    ASSERT_EQ(f.lead_time_commits, 3);
    EXPECT_EQ(f.explain.commits[0].sha, "c1");
    EXPECT_EQ(f.explain.commits[0].seconds, 2 * 86400);
    EXPECT_EQ(f.explain.commits[0].deploy_id, "web-api:production:2");
    EXPECT_EQ(f.explain.commits[1].seconds, 12 * 3600);
    EXPECT_EQ(f.explain.commits[2].seconds, 0);
    EXPECT_DOUBLE_EQ(*f.lead_time_median, 12 * 3600);
    EXPECT_EQ(*f.lead_time_p90, 2 * 86400);
    // Failed deploy restored by the next succeeded one, a day later.
    EXPECT_EQ(f.time_to_restore_failures, 1);
    EXPECT_DOUBLE_EQ(*f.time_to_restore_median, 86400);
    EXPECT_EQ(f.explain.restores[0].kind, RestoreKind::failed_deploy);
    // A window starting after deploy 2: c1 and c2 were first shipped before it.
    auto later = compute_dora(
        {series({
            deploy(1, day(1), sha(1), DeployStatus::failed, Failure::none, {{"c1", day(0)}}),
            deploy(2, day(2), sha(1), DeployStatus::succeeded, Failure::none,
                   {{"c1", day(0)}, {"c2", day(1, 12)}}),
            deploy(3, day(3), sha(3), DeployStatus::succeeded, Failure::none,
                   {{"c2", day(1, 12)}, {"c3", day(2)}}),
        })},
        {}, day(2, 1), day(10));
    EXPECT_EQ(later.lead_time_commits, 1);
    EXPECT_DOUBLE_EQ(*later.lead_time_median, 86400);
    EXPECT_EQ(later.time_to_restore_failures, 0);  // restored before the window
}

TEST(DoraTest, MedianOfEvenCountIsTheMeanOfTheMiddleTwoAndP90IsNearestRank) {
    std::vector<Commit> four = {{"a", day(1) - seconds{10}},
                                {"b", day(1) - seconds{20}},
                                {"c", day(1) - seconds{31}},
                                {"d", day(1) - seconds{40}}};
    auto f = compute_dora(
        {series({deploy(1, day(1), sha(1), DeployStatus::succeeded, Failure::none, four)})}, {},
        day(0), day(2));
    EXPECT_DOUBLE_EQ(*f.lead_time_median, 25.5);  // (20 + 31) / 2
    EXPECT_EQ(*f.lead_time_p90, 40);              // rank ceil(3.6) = 4
    EXPECT_NE(dora_json(f).find(R"("median":25.5,"p90":40,"commits":4)"), std::string::npos)
        << dora_json(f);

    std::vector<Commit> ten;
    for (int i = 1; i <= 10; ++i) ten.push_back({"x" + std::to_string(i), day(1) - seconds{i}});
    auto g = compute_dora(
        {series({deploy(1, day(1), sha(1), DeployStatus::succeeded, Failure::none, ten)})}, {},
        day(0), day(2));
    EXPECT_EQ(*g.lead_time_p90, 9);  // rank 9 of 10
    EXPECT_DOUBLE_EQ(*g.lead_time_median, 5.5);

    std::vector<Commit> eleven = ten;
    eleven.push_back({"x11", day(1) - seconds{11}});
    auto h = compute_dora(
        {series({deploy(1, day(1), sha(1), DeployStatus::succeeded, Failure::none, eleven)})}, {},
        day(0), day(2));
    EXPECT_EQ(*h.lead_time_p90, 10);  // rank ceil(9.9) = 10
    EXPECT_DOUBLE_EQ(*h.lead_time_median, 6);
}

TEST(DoraTest, RollbackRestoresFromTheFirstRolledBackDeploy) {
    auto f = compute_dora({series({
                              deploy(1, day(1), sha(1)),
                              deploy(2, day(2), sha(2), DeployStatus::succeeded, Failure::rollback),
                              deploy(3, day(3), sha(3), DeployStatus::succeeded, Failure::rollback),
                              deploy(4, day(3, 6), sha(1)),  // rollback to sha 1
                          })},
                          {}, day(0), day(10));
    EXPECT_EQ(f.deploys, 4);
    EXPECT_EQ(format_rate(*f.change_failure_rate), "0.5");
    ASSERT_EQ(f.time_to_restore_failures, 1);
    EXPECT_DOUBLE_EQ(*f.time_to_restore_median, 30 * 3600);  // day 2 -> day 3 06:00
    EXPECT_EQ(f.explain.restores[0].kind, RestoreKind::rollback);
    EXPECT_EQ(f.explain.restores[0].failure, "web-api:production:2");
    EXPECT_EQ(f.explain.restores[0].restored_by, "web-api:production:4");
    // A redeploy of the latest sha is not a rollback.
    auto redeploy = compute_dora({series({deploy(1, day(1), sha(1)), deploy(2, day(2), sha(1))})},
                                 {}, day(0), day(10));
    EXPECT_EQ(redeploy.time_to_restore_failures, 0);
}

TEST(DoraTest, IncidentsBlamedOnADeployRestoreWhenClosed) {
    auto blamed = deploy(2, day(2), sha(2), DeployStatus::succeeded, Failure::incident, {},
                         {"boards:501", "boards:502"});
    auto f =
        compute_dora({series({deploy(1, day(1), sha(1)), blamed, deploy(3, day(4), sha(3))})},
                     {
                         incident(501, day(2, 3), day(2, 7)),     // 4 h
                         incident(502, day(2, 4), std::nullopt),  // still open: not restored
                         incident(503, day(0), day(0, 2)),  // before any deploy: blames nothing
                     },
                     day(0), day(10));
    EXPECT_EQ(format_rate(*f.change_failure_rate),
              "0.3333");                       // the blamed deploy is one failed change
    ASSERT_EQ(f.time_to_restore_failures, 1);  // not also the blamed deploy itself
    EXPECT_DOUBLE_EQ(*f.time_to_restore_median, 4 * 3600);
    EXPECT_EQ(f.explain.restores[0].failure, "incident boards:501");
}

TEST(DoraTest, WindowsThatCutThroughAFailurePeriod) {
    std::vector<DeployView> d = {
        deploy(1, day(1), sha(1)),
        deploy(2, day(2), sha(2), DeployStatus::failed),
        deploy(3, day(3), sha(3), DeployStatus::failed),
        deploy(4, day(5), sha(4)),
    };
    // Window [day 4, day 10): both failures started before it, restored inside: full durations.
    auto f = compute_dora({series(d)}, {}, day(4), day(10));
    EXPECT_EQ(f.deploys, 1);
    EXPECT_EQ(format_rate(*f.change_failure_rate), "0.0");
    ASSERT_EQ(f.time_to_restore_failures, 2);
    EXPECT_DOUBLE_EQ(*f.time_to_restore_median, 2.5 * 86400);  // (3 d + 2 d) / 2
    // Window [day 0, day 4): failures inside, restored after: change failures count, no restore.
    auto g = compute_dora({series(d)}, {}, day(0), day(4));
    EXPECT_EQ(g.deploys, 1);
    EXPECT_EQ(format_rate(*g.change_failure_rate), "0.6667");
    EXPECT_EQ(g.time_to_restore_failures, 0);
    EXPECT_FALSE(g.time_to_restore_median);
    // An incident open across the window's end.
    auto blamed =
        deploy(1, day(1), sha(1), DeployStatus::succeeded, Failure::incident, {}, {"boards:7"});
    auto h = compute_dora({series({blamed})}, {incident(7, day(1, 1), day(5))}, day(0), day(3));
    EXPECT_EQ(h.time_to_restore_failures, 0);
    auto k = compute_dora({series({blamed})}, {incident(7, day(1, 1), day(5))}, day(3), day(6));
    EXPECT_EQ(k.time_to_restore_failures, 1);
    EXPECT_EQ(k.deploys, 0);
    EXPECT_FALSE(k.change_failure_rate);
}

TEST(DoraTest, AllDeploymentsCountEachDeployOnceAndEachIncidentOnce) {
    auto a =
        deploy(1, day(1), sha(1), DeployStatus::succeeded, Failure::incident, {}, {"boards:9"});
    auto b =
        deploy(2, day(1), sha(1), DeployStatus::succeeded, Failure::incident, {}, {"boards:9"});
    auto f = compute_dora({series({a}, "production"), series({b}, "staging")},
                          {incident(9, day(1, 1), day(1, 3))}, day(0), day(2));
    EXPECT_EQ(f.deploys, 2);
    EXPECT_EQ(format_rate(*f.change_failure_rate), "1.0");  // two failed changes
    EXPECT_EQ(f.time_to_restore_failures, 1);               // one outage
}

// ---- randomised comparison with a brute-force reference ----

struct Reference {
    std::int64_t deploys = 0;
    std::int64_t days = 0;
    std::vector<std::int64_t> lead;
    std::int64_t changes = 0;
    std::int64_t failed = 0;
    std::vector<std::int64_t> restore;
};

std::int64_t secs(Timestamp from, Timestamp to) {
    return to <= from ? 0 : std::chrono::duration_cast<seconds>(to - from).count();
}

Reference reference(const std::vector<DeploySeries>& all,
                    const std::vector<IncidentView>& incidents, Timestamp since, Timestamp until) {
    Reference r;
    auto in = [&](Timestamp x) { return since <= x && x < until; };
    std::set<std::string> days;
    std::set<std::string> blamed;
    for (const auto& s : all) {
        const auto& d = s.deploys;
        for (std::size_t k = 0; k < d.size(); ++k) {
            for (const auto& id : d[k].incidents) blamed.insert(id);
            if (!in(d[k].deployed_at)) continue;
            ++r.changes;
            if (d[k].failure != Failure::none) ++r.failed;
            if (d[k].status == DeployStatus::succeeded) {
                ++r.deploys;
                days.insert(format_rfc3339(d[k].deployed_at).substr(0, 10));
            }
        }
        // Lead time: for each commit, scan for the first succeeded deploy listing it.
        std::set<std::string> shas;
        for (const auto& v : d)
            for (const auto& c : v.commits) shas.insert(c.sha);
        for (const auto& c : shas) {
            for (const auto& v : d) {
                if (v.status != DeployStatus::succeeded) continue;
                auto it = std::find_if(v.commits.begin(), v.commits.end(),
                                       [&](const auto& x) { return x.sha == c; });
                if (it == v.commits.end()) continue;
                if (in(v.deployed_at)) r.lead.push_back(secs(*it->authored_at, v.deployed_at));
                break;
            }
        }
        for (std::size_t k = 0; k < d.size(); ++k) {
            if (d[k].status == DeployStatus::failed) {
                for (std::size_t j = k + 1; j < d.size(); ++j)
                    if (d[j].status == DeployStatus::succeeded) {
                        if (in(d[j].deployed_at))
                            r.restore.push_back(secs(d[k].deployed_at, d[j].deployed_at));
                        break;
                    }
                continue;
            }
            // Rollback: an earlier succeeded deploy of this sha that is not the preceding succeeded
            // one.
            std::optional<std::size_t> prev, same;
            for (std::size_t i = 0; i < k; ++i) {
                if (d[i].status != DeployStatus::succeeded) continue;
                prev = i;
                if (d[i].sha == d[k].sha) same = i;
            }
            if (!same || d[*prev].sha == d[k].sha) continue;
            for (std::size_t i = *same + 1; i < k; ++i)
                if (d[i].status == DeployStatus::succeeded) {
                    if (in(d[k].deployed_at))
                        r.restore.push_back(secs(d[i].deployed_at, d[k].deployed_at));
                    break;
                }
        }
    }
    for (const auto& id : blamed)
        for (const auto& i : incidents)
            if (i.id == id) {
                if (i.restored_at && in(*i.restored_at))
                    r.restore.push_back(secs(i.created_at, *i.restored_at));
                break;
            }
    r.days = static_cast<std::int64_t>(days.size());
    return r;
}

std::optional<double> ref_median(std::vector<std::int64_t> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    if (v.size() % 2) return static_cast<double>(v[v.size() / 2]);
    return (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
}

TEST(DoraTest, RandomHistoriesMatchTheReference) {
    std::mt19937 rng(20261127);
    for (int round = 0; round < 300; ++round) {
        std::vector<DeploySeries> all;
        std::vector<IncidentView> incidents;
        const int n_incidents = static_cast<int>(rng() % 6);
        for (int i = 0; i < n_incidents; ++i) {
            auto created = day(static_cast<int>(rng() % 20), static_cast<int>(rng() % 24));
            std::optional<Timestamp> restored;
            if (rng() % 4) restored = created + minutes{static_cast<int>(rng() % 5000)};
            incidents.push_back(incident(100 + i, created, restored));
        }
        const int n_series = 1 + static_cast<int>(rng() % 3);
        for (int s = 0; s < n_series; ++s) {
            std::vector<DeployView> d;
            Timestamp at = day(0);
            int commit_no = 0;
            const int n = static_cast<int>(rng() % 15);
            for (int k = 0; k < n; ++k) {
                at += minutes{static_cast<int>(rng() % 4000)};
                auto status = rng() % 4 == 0 ? DeployStatus::failed : DeployStatus::succeeded;
                std::vector<Commit> commits;
                const int nc = static_cast<int>(rng() % 4);
                for (int c = 0; c < nc; ++c) {
                    // Sometimes repeat an older commit (as a redeploy or a failed deploy's range
                    // would).
                    int no = (commit_no > 0 && rng() % 3 == 0) ? static_cast<int>(rng() % commit_no)
                                                               : commit_no++;
                    commits.push_back({"c" + std::to_string(s) + "-" + std::to_string(no),
                                       day(0) + minutes{no * 97 % 30000}});
                }
                auto failure = rng() % 5 == 0 ? Failure::incident : Failure::none;
                std::vector<std::string> blamed;
                if (n_incidents && rng() % 3 == 0)
                    blamed.push_back("boards:" +
                                     std::to_string(100 + static_cast<int>(rng() % n_incidents)));
                d.push_back(deploy(k + 1, at, sha(static_cast<int>(rng() % 5)), status, failure,
                                   commits, blamed));
            }
            all.push_back(series(d, "env" + std::to_string(s)));
        }
        auto since = day(static_cast<int>(rng() % 10), static_cast<int>(rng() % 24));
        auto until = since + hours{static_cast<int>(rng() % 600)};
        auto got = compute_dora(all, incidents, since, until);
        auto want = reference(all, incidents, since, until);
        SCOPED_TRACE("round " + std::to_string(round));
        EXPECT_EQ(got.deploys, want.deploys);
        EXPECT_EQ(got.deploy_days, want.days);
        EXPECT_EQ(got.lead_time_commits, static_cast<std::int64_t>(want.lead.size()));
        EXPECT_EQ(got.lead_time_median, ref_median(want.lead));
        if (!want.lead.empty()) {
            auto v = want.lead;
            std::sort(v.begin(), v.end());
            std::size_t rank = 1;
            while (rank * 10 < v.size() * 9) ++rank;  // smallest rank with rank >= 0.9 n
            EXPECT_EQ(got.lead_time_p90, v[rank - 1]);
        }
        if (want.changes)
            EXPECT_DOUBLE_EQ(
                *got.change_failure_rate,
                std::round(static_cast<double>(want.failed) / want.changes * 10000) / 10000);
        else
            EXPECT_FALSE(got.change_failure_rate);
        EXPECT_EQ(got.time_to_restore_failures, static_cast<std::int64_t>(want.restore.size()));
        EXPECT_EQ(got.time_to_restore_median, ref_median(want.restore));
    }
}

}  // namespace
}  // namespace shiplog::tracking::test
