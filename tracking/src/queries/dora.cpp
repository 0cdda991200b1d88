// DORA figures (docs/reference/definitions.md). The definitions live in compute_dora(); the
// rollback rule is the projector's (recompute.cpp), re-walked here to find
// each rollback's first rolled-back deploy.
#include "tracking/dora.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "common/time_format.hpp"
#include "index/deploy_index.hpp"
#include "records/codec.hpp"

namespace shiplog::tracking {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

constexpr std::int64_t k_seconds_per_day = 86400;

bool in_window(Timestamp t, Timestamp since, Timestamp until) {
    return t >= since && t < until;
}

// Whole seconds from `from` to `to`, clamped at 0.
std::int64_t seconds_between(Timestamp from, Timestamp to) {
    if (to <= from) return 0;
    return duration_cast<seconds>(to - from).count();
}

// The middle value, or the mean of the two middle values; nullopt when empty.
// Reorders `values` (selection, not a sort: a year's window has millions).
std::optional<double> median(std::vector<std::int64_t>& values) {
    if (values.empty()) return std::nullopt;
    const auto n = values.size();
    const auto upper = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(values.begin(), upper, values.end());
    if (n % 2 == 1) return static_cast<double>(*upper);
    const auto lower = *std::max_element(values.begin(), upper);
    return (static_cast<double>(lower) + static_cast<double>(*upper)) / 2.0;
}

// Nearest rank: the value at rank ceil(0.9 n) (1-based). Reorders `values`.
std::optional<std::int64_t> p90(std::vector<std::int64_t>& values) {
    if (values.empty()) return std::nullopt;
    const auto rank = (values.size() * 9 + 9) / 10;
    const auto at = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
    std::nth_element(values.begin(), at, values.end());
    return *at;
}

// The breakdown, rework and batch figures, counted the same way by
// compute_dora and the index path.
struct ExtraTally {
    std::vector<std::int64_t> coding, pickup, review, deploy;
    std::int64_t pull_requests = 0;
    std::int64_t direct_commits = 0;
    std::int64_t rework = 0;
    std::int64_t succeeded = 0;
    std::vector<std::int64_t> batch_commits;
    std::int64_t sizes[4] = {0, 0, 0, 0};

    // A succeeded deploy in the window.
    void deploy_in_window(Rework r, const BatchSize& batch) {
        ++succeeded;
        if (r != Rework::none) ++rework;
        batch_commits.push_back(batch.commits);
        ++sizes[detail::batch_size_bucket(batch.commits)];
    }
    void pull_request(const detail::PullRequestSeconds& p) {
        ++pull_requests;
        if (p.coding) coding.push_back(*p.coding);
        pickup.push_back(p.pickup);
        review.push_back(p.review);
        deploy.push_back(p.deploy);
    }
};

Spread spread(std::vector<std::int64_t>& values);

// The extra figures that are counts, whichever way they were tallied.
void finish_extra_counts(DoraFigures& f, const ExtraTally& x) {
    f.pull_requests = x.pull_requests;
    f.direct_commits = x.direct_commits;
    f.rework_deploys = x.rework;
    if (x.succeeded > 0)
        f.rework_rate =
            std::round(static_cast<double>(x.rework) / static_cast<double>(x.succeeded) * 10000.0) /
            10000.0;
    for (int i = 0; i < 4; ++i) f.batch_counts[i] = x.sizes[i];
}

void finish_extra(DoraFigures& f, ExtraTally& x) {
    f.coding = spread(x.coding);
    f.pickup = spread(x.pickup);
    f.review = spread(x.review);
    f.deploy = spread(x.deploy);
    f.batch_median_commits = median(x.batch_commits);
    finish_extra_counts(f, x);
}

// What compute_dora and the index path both count before the figures.
struct Tally {
    std::int64_t deploy_days = 0;
    std::int64_t changes = 0;
    std::int64_t failed_changes = 0;
    std::vector<std::int64_t> lead_times;
    std::vector<std::int64_t> restore_times;
};

void finish(DoraFigures& f, Tally& t) {
    f.deploy_days = t.deploy_days;
    const auto window_ns = (f.until - f.since).count();
    if (window_ns > 0)
        f.deploys_per_day =
            static_cast<double>(f.deploys) /
            (static_cast<double>(window_ns) / 1e9 / static_cast<double>(k_seconds_per_day));
    f.lead_time_commits = static_cast<std::int64_t>(t.lead_times.size());
    f.lead_time_median = median(t.lead_times);
    f.lead_time_p90 = p90(t.lead_times);
    if (t.changes > 0)
        f.change_failure_rate = std::round(static_cast<double>(t.failed_changes) /
                                           static_cast<double>(t.changes) * 10000.0) /
                                10000.0;
    f.time_to_restore_failures = static_cast<std::int64_t>(t.restore_times.size());
    f.time_to_restore_median = median(t.restore_times);
}

Spread spread(std::vector<std::int64_t>& values) {
    Spread s;
    s.median = median(values);
    s.p90 = p90(values);
    return s;
}

std::int64_t utc_day(Timestamp t) {
    return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

void optional_number(json::Writer& w, std::string_view name, const std::optional<double>& v,
                     bool rate) {
    w.key(name);
    if (!v)
        w.null();
    else
        w.raw(rate ? format_rate(*v) : format_seconds(*v));
}

void optional_string(json::Writer& w, std::string_view name, const std::optional<std::string>& s) {
    w.key(name);
    if (s)
        w.value(*s);
    else
        w.null();
}

// Exact order statistics over sorted arrays (day rows and the window's
// edges) without merging them: median() and p90()'s answers.
struct RankedSeconds {
    std::vector<detail::SortedSeconds> arrays;
    std::uint64_t count = 0;

    void add(const detail::SortedSeconds& a) {
        if (a.count == 0) return;
        arrays.push_back(a);
        count += a.count;
    }
    std::optional<double> median() const {
        if (count == 0) return std::nullopt;
        const auto upper = detail::kth_smallest(arrays, count / 2 + 1);
        if (count % 2 == 1) return static_cast<double>(upper);
        const auto lower = detail::kth_smallest(arrays, count / 2);
        return (static_cast<double>(lower) + static_cast<double>(upper)) / 2.0;
    }
    std::optional<std::int64_t> p90() const {
        if (count == 0) return std::nullopt;
        return detail::kth_smallest(arrays, (count * 9 + 9) / 10);
    }
    Spread spread() const { return Spread{median(), p90()}; }
};

detail::SortedSeconds sorted_view(std::vector<std::int64_t>& values) {
    std::sort(values.begin(), values.end());
    return detail::SortedSeconds{nullptr, values.data(), values.size(), 8};
}

// The figures from the window's index rows alone: each tr_deploy_time row
// carries what compute_dora would attribute to its deploy over the whole
// history (deploy_index.hpp), and each tr_deploy_days row sums a whole UTC
// day of them. A window reads the day rows of the whole days it covers and
// the deploy rows of the partial days at its edges, once; nothing before
// the window and no deploy record. Allocations are per query and per edge
// deploy, not per deploy of the window.
Result<DoraFigures> figures_from_index(lmdb::txn& txn, const Tables& tables,
                                       const std::vector<const config::DeploymentConfig*>& selected,
                                       const DoraQuery& query) {
    DoraFigures f;
    f.since = query.since;
    f.until = query.until;
    Tally t;
    // Whole days [first_day, end_day) come from day rows, when there are any.
    Timestamp first_day = detail::utc_day_start(query.since);
    if (first_day < query.since) first_day += std::chrono::days{1};
    const Timestamp end_day = detail::utc_day_start(query.until);
    const bool whole_days = first_day < end_day;
    // The edges' values in ExtraTally's vectors (and edge_leads,
    // edge_restores); the day rows' sorted arrays beside them.
    ExtraTally x;
    std::vector<std::int64_t> edge_leads, edge_restores;
    RankedSeconds leads, restores, batch, coding, pickup, review, deploy;
    std::vector<std::int64_t> days;
    std::vector<std::pair<std::string, std::int64_t>> incidents;  // id, seconds
    auto each_row = [&](const detail::RowFigures& row) {
        ++t.changes;
        if (row.failure != Failure::none) ++t.failed_changes;
        if (row.status != DeployStatus::succeeded) return;
        ++f.deploys;
        const auto day = utc_day(row.deployed_at);
        if (days.empty() || days.back() != day) days.push_back(day);
        edge_leads.insert(edge_leads.end(), row.lead_seconds.begin(), row.lead_seconds.end());
        edge_restores.insert(edge_restores.end(), row.restore_seconds.begin(),
                             row.restore_seconds.end());
        x.deploy_in_window(row.extras.rework, row.extras.batch);
        x.direct_commits += row.extras.direct_commits;
        for (const auto& p : row.extras.pull_requests) x.pull_request(p);
    };
    auto each_day = [&](const detail::DayFigures& day) {
        t.changes += static_cast<std::int64_t>(day.changes);
        t.failed_changes += static_cast<std::int64_t>(day.failed_changes);
        if (day.succeeded == 0) return;
        f.deploys += static_cast<std::int64_t>(day.succeeded);
        days.push_back(utc_day(day.day));
        leads.add(day.lead);
        restores.add(day.restore);
        x.succeeded += static_cast<std::int64_t>(day.succeeded);
        x.rework += static_cast<std::int64_t>(day.rework);
        x.direct_commits += static_cast<std::int64_t>(day.direct_commits);
        x.pull_requests += static_cast<std::int64_t>(day.pull_requests);
        for (int i = 0; i < 4; ++i) x.sizes[i] += static_cast<std::int64_t>(day.batch_sizes[i]);
        batch.add(day.batch_commits);
        coding.add(day.coding);
        pickup.add(day.pickup);
        review.add(day.review);
        deploy.add(day.deploy);
    };
    for (const auto* d : selected) {
        auto rows = [&](Timestamp from, Timestamp to) {
            return detail::scan_window_rows(txn, tables, d->name, d->environment, from, to,
                                            each_row);
        };
        if (whole_days) {
            if (auto s = rows(query.since, first_day); !s) return tl::unexpected(s.error());
            if (auto s = detail::scan_days(txn, tables, d->name, d->environment, first_day, end_day,
                                           each_day);
                !s)
                return tl::unexpected(s.error());
            if (auto s = rows(end_day, query.until); !s) return tl::unexpected(s.error());
        } else if (auto s = rows(query.since, query.until); !s) {
            return tl::unexpected(s.error());
        }
        auto restored = detail::restored_incidents(txn, tables, d->name, d->environment,
                                                   query.since, query.until);
        if (!restored) return tl::unexpected(restored.error());
        for (const auto& incident : *restored)
            if (incident.restored_at && in_window(*incident.restored_at, query.since, query.until))
                incidents.emplace_back(incident.id,
                                       seconds_between(incident.created_at, *incident.restored_at));
    }
    // Days shared by several series count once.
    std::sort(days.begin(), days.end());
    t.deploy_days = static_cast<std::int64_t>(std::unique(days.begin(), days.end()) - days.begin());
    // An incident blamed in several series is one failure.
    std::sort(incidents.begin(), incidents.end());
    auto last = std::unique(incidents.begin(), incidents.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; });
    for (auto it = incidents.begin(); it != last; ++it) edge_restores.push_back(it->second);
    leads.add(sorted_view(edge_leads));
    restores.add(sorted_view(edge_restores));
    batch.add(sorted_view(x.batch_commits));
    coding.add(sorted_view(x.coding));
    pickup.add(sorted_view(x.pickup));
    review.add(sorted_view(x.review));
    deploy.add(sorted_view(x.deploy));

    finish(f, t);  // counts and rates; the order statistics follow
    f.lead_time_commits = static_cast<std::int64_t>(leads.count);
    f.lead_time_median = leads.median();
    f.lead_time_p90 = leads.p90();
    f.time_to_restore_failures = static_cast<std::int64_t>(restores.count);
    f.time_to_restore_median = restores.median();
    f.batch_median_commits = batch.median();
    f.coding = coding.spread();
    f.pickup = pickup.spread();
    f.review = review.spread();
    f.deploy = deploy.spread();
    finish_extra_counts(f, x);
    return f;
}

}  // namespace

const char* to_string(RestoreKind kind) {
    switch (kind) {
        case RestoreKind::failed_deploy:
            return "failed_deploy";
        case RestoreKind::rollback:
            return "rollback";
        case RestoreKind::incident:
            return "incident";
    }
    return "failed_deploy";
}

std::string format_rate(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", value);
    std::string s = buf;
    while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
    return s;
}

std::string format_seconds(double value) {
    char buf[64];
    if (value == std::floor(value) && std::fabs(value) < 9.0e15) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.1f", value);  // medians of whole seconds end in .5
    return buf;
}

DoraFigures compute_dora(const std::vector<DeploySeries>& series,
                         const std::vector<IncidentView>& incidents, Timestamp since,
                         Timestamp until) {
    DoraFigures f;
    f.since = since;
    f.until = until;

    std::set<std::int64_t> days;
    std::int64_t changes = 0;
    std::int64_t failed_changes = 0;
    std::vector<std::int64_t> lead_times;
    std::vector<std::int64_t> restore_times;
    std::set<std::string> blamed_incidents;
    ExtraTally x;

    for (const auto& s : series) {
        const auto& d = s.deploys;
        blamed_incidents.insert(s.blamed_incidents.begin(), s.blamed_incidents.end());
        std::set<std::string> shipped;  // commits shipped by an earlier succeeded deploy
        std::optional<std::string> previous_sha;
        std::map<std::string, std::size_t> last_index_of_sha;

        for (std::size_t k = 0; k < d.size(); ++k) {
            const auto& v = d[k];
            for (const auto& id : v.incidents) blamed_incidents.insert(id);
            const bool window = in_window(v.deployed_at, since, until);

            // deploys, deploy days, change failure rate.
            if (window) {
                ++changes;
                if (v.failure != Failure::none) ++failed_changes;
                f.explain.changes.push_back(
                    {v.id(), v.status, v.failure, v.incidents, v.rework, v.batch});
                if (v.status == DeployStatus::succeeded) {
                    ++f.deploys;
                    days.insert(utc_day(v.deployed_at));
                    x.deploy_in_window(v.rework, v.batch);
                }
            }

            if (v.status == DeployStatus::failed) {
                // Restored by the next succeeded deploy of the same deployment+environment.
                for (std::size_t j = k + 1; j < d.size(); ++j) {
                    if (d[j].status != DeployStatus::succeeded) continue;
                    if (in_window(d[j].deployed_at, since, until)) {
                        RestoreRecord r{RestoreKind::failed_deploy,
                                        v.id(),
                                        d[j].id(),
                                        v.deployed_at,
                                        d[j].deployed_at,
                                        seconds_between(v.deployed_at, d[j].deployed_at)};
                        restore_times.push_back(r.seconds);
                        f.explain.restores.push_back(std::move(r));
                    }
                    break;
                }
                continue;
            }

            // Lead time: commits this succeeded deploy ships first (a squash
            // commit from its pull request's first commit).
            std::set<std::string> first_here;
            for (const auto& c : v.commits) {
                if (!shipped.insert(c.sha).second) continue;
                first_here.insert(c.sha);
                if (!window) continue;
                if (!c.via_pull_request) ++x.direct_commits;
                const auto start = c.lead_from ? c.lead_from : c.authored_at;
                if (!start) continue;
                LeadTimeRecord r{c.sha, v.id(), *start, v.deployed_at,
                                 seconds_between(*start, v.deployed_at)};
                lead_times.push_back(r.seconds);
                f.explain.commits.push_back(std::move(r));
            }
            // The breakdown: pull requests whose merge commit it ships first.
            if (window)
                for (const auto& pr : v.pull_requests) {
                    if (!first_here.count(pr.merge_sha)) continue;
                    const auto p = detail::pull_request_seconds(pr, v.deployed_at);
                    x.pull_request(p);
                    f.explain.pull_requests.push_back(
                        {pr.id, v.id(), pr.title, pr.created_at, pr.first_review_at, pr.merged_at,
                         v.deployed_at, p.coding, p.pickup, p.review, p.deploy});
                }

            // Rollbacks (the projector's rule): restored by this deploy, failed
            // since the first succeeded deploy it skipped back over.
            if (v.sha.empty()) continue;
            auto seen = last_index_of_sha.find(v.sha);
            if (seen != last_index_of_sha.end() && previous_sha && *previous_sha != v.sha) {
                for (std::size_t i = seen->second + 1; i < k; ++i) {
                    if (d[i].status != DeployStatus::succeeded) continue;
                    if (window) {
                        RestoreRecord r{RestoreKind::rollback,
                                        d[i].id(),
                                        v.id(),
                                        d[i].deployed_at,
                                        v.deployed_at,
                                        seconds_between(d[i].deployed_at, v.deployed_at)};
                        restore_times.push_back(r.seconds);
                        f.explain.restores.push_back(std::move(r));
                    }
                    break;
                }
            }
            last_index_of_sha[v.sha] = k;
            previous_sha = v.sha;
        }
    }

    // Incidents blamed on these deploys, each once.
    for (const auto& incident : incidents) {
        if (!blamed_incidents.contains(incident.id) || !incident.restored_at) continue;
        blamed_incidents.erase(incident.id);  // duplicates in the input count once
        if (!in_window(*incident.restored_at, since, until)) continue;
        RestoreRecord r{
            RestoreKind::incident, "incident " + incident.id,
            incident.state,        incident.created_at,
            *incident.restored_at, seconds_between(incident.created_at, *incident.restored_at)};
        restore_times.push_back(r.seconds);
        f.explain.restores.push_back(std::move(r));
    }

    auto by_time = [](const auto& a, const auto& b) { return a.restored_at < b.restored_at; };
    std::stable_sort(f.explain.restores.begin(), f.explain.restores.end(), by_time);
    std::stable_sort(f.explain.commits.begin(), f.explain.commits.end(),
                     [](const auto& a, const auto& b) { return a.deployed_at < b.deployed_at; });

    std::stable_sort(f.explain.pull_requests.begin(), f.explain.pull_requests.end(),
                     [](const auto& a, const auto& b) { return a.deployed_at < b.deployed_at; });

    Tally tally{static_cast<std::int64_t>(days.size()), changes, failed_changes,
                std::move(lead_times), std::move(restore_times)};
    finish(f, tally);
    finish_extra(f, x);
    return f;
}

DoraQuery default_window(Timestamp now) {
    DoraQuery q;
    q.until = now;
    q.since = now - std::chrono::days{30};
    return q;
}

Result<DoraFigures> query_dora(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                               const DoraQuery& query) {
    if (query.since > query.until)
        return fail(ErrorCode::invalid_argument, "since " + format_rfc3339(query.since) +
                                                     " is after until " +
                                                     format_rfc3339(query.until));
    std::vector<const config::DeploymentConfig*> selected;
    bool deployment_known = false;
    bool environment_known = false;
    for (const auto& d : config.deployments) {
        const bool dep_ok = !query.deployment || d.name == *query.deployment;
        const bool env_ok = !query.environment || d.environment == *query.environment;
        deployment_known |= dep_ok;
        environment_known |= env_ok;
        if (dep_ok && env_ok) selected.push_back(&d);
    }
    if (query.deployment && !deployment_known)
        return fail(ErrorCode::not_found, "no [[deployment]] named \"" + *query.deployment + "\"");
    if (query.environment && !environment_known)
        return fail(ErrorCode::not_found,
                    "no [[deployment]] with environment \"" + *query.environment + "\"");
    if (selected.empty())
        return fail(ErrorCode::not_found, "deployment \"" + query.deployment.value_or("") +
                                              "\" has no environment \"" +
                                              query.environment.value_or("") + "\"");

    if (!query.explain) {
        auto figures = figures_from_index(txn, tables, selected, query);
        if (figures) {
            figures->deployment = query.deployment;
            figures->environment = query.environment;
        }
        return figures;
    }

    // Only the window's deploys and what the definitions refer to before it,
    // read through the indexes (deploy_index.hpp): the cost follows the
    // window, not the history.
    std::vector<DeploySeries> series;
    std::vector<IncidentView> incidents;
    for (const auto* d : selected) {
        auto inputs =
            detail::window_inputs(txn, tables, d->name, d->environment, query.since, query.until);
        if (!inputs) return tl::unexpected(inputs.error());
        DeploySeries s{d->name, d->environment, std::move(inputs->deploys), {}};
        for (auto& incident : inputs->incidents) {
            s.blamed_incidents.push_back(incident.id);
            incidents.push_back(std::move(incident));
        }
        series.push_back(std::move(s));
    }
    auto figures = compute_dora(series, incidents, query.since, query.until);
    figures.deployment = query.deployment;
    figures.environment = query.environment;
    return figures;
}

namespace {

// The figures' members, inside an object the caller opened and closes.
void write_figures(json::Writer& w, const DoraFigures& f) {
    optional_string(w, "deployment", f.deployment);
    optional_string(w, "environment", f.environment);
    w.field("since", format_rfc3339(f.since)).field("until", format_rfc3339(f.until));
    w.field("deploys", f.deploys);
    optional_number(w, "deploys_per_day", f.deploys_per_day, true);
    w.field("deploy_days", f.deploy_days);
    w.key("lead_time_seconds").begin_object();
    optional_number(w, "median", f.lead_time_median, false);
    w.field("p90", f.lead_time_p90).field("commits", f.lead_time_commits).end_object();
    optional_number(w, "change_failure_rate", f.change_failure_rate, true);
    w.key("time_to_restore_seconds").begin_object();
    optional_number(w, "median", f.time_to_restore_median, false);
    w.field("failures", f.time_to_restore_failures).end_object();
    w.key("lead_time_breakdown_seconds").begin_object();
    const std::pair<const char*, const Spread*> parts[] = {
        {"coding", &f.coding}, {"pickup", &f.pickup}, {"review", &f.review}, {"deploy", &f.deploy}};
    for (const auto& part : parts) {
        w.key(part.first).begin_object();
        optional_number(w, "median", part.second->median, false);
        w.field("p90", part.second->p90).end_object();
    }
    w.field("pull_requests", f.pull_requests).field("direct_commits", f.direct_commits);
    w.end_object();
    optional_number(w, "rework_rate", f.rework_rate, true);
    w.key("batch_size").begin_object();
    optional_number(w, "median_commits", f.batch_median_commits, false);
    const char* names[] = {"S", "M", "L", "XL"};
    for (int i = 0; i < 4; ++i) w.field(names[i], f.batch_counts[i]);
    w.end_object();
}

}  // namespace

std::string dora_json(const DoraFigures& f) {
    json::Writer w;
    w.begin_object();
    write_figures(w, f);
    return w.end_object().take();
}

std::string dora_json_with_explain(const DoraFigures& f) {
    json::Writer w;
    w.begin_object();
    write_figures(w, f);
    w.key("explain").begin_object().key("changes").begin_array();
    for (const auto& c : f.explain.changes) {
        w.begin_object().field("id", c.deploy_id).field("status", to_string(c.status));
        w.key("failure");
        if (c.failure == Failure::none)
            w.null();
        else
            w.value(to_string(c.failure));
        w.key("incidents").begin_array();
        for (const auto& id : c.incidents) w.value(id);
        w.end_array();
        detail::write_rework(w, c.rework);
        detail::write_batch(w, c.batch);
        w.end_object();
    }
    w.end_array().key("commits").begin_array();
    for (const auto& c : f.explain.commits) {
        w.begin_object().field("sha", c.sha).field("deploy", c.deploy_id);
        w.field("authored_at", format_rfc3339(c.authored_at));
        w.field("deployed_at", format_rfc3339(c.deployed_at));
        w.field("lead_time_seconds", c.seconds).end_object();
    }
    w.end_array().key("failures").begin_array();
    for (const auto& r : f.explain.restores) {
        w.begin_object().field("kind", to_string(r.kind)).field("failure", r.failure);
        w.field("restored_by", r.restored_by);
        w.field("failed_at", format_rfc3339(r.failed_at));
        w.field("restored_at", format_rfc3339(r.restored_at));
        w.field("seconds", r.seconds).end_object();
    }
    w.end_array().key("pull_requests").begin_array();
    for (const auto& p : f.explain.pull_requests) {
        w.begin_object().field("id", p.id).field("deploy", p.deploy_id).field("title", p.title);
        w.field("created_at", format_rfc3339(p.created_at));
        w.time_field("first_review_at", p.first_review_at);
        w.field("merged_at", format_rfc3339(p.merged_at));
        w.field("deployed_at", format_rfc3339(p.deployed_at));
        w.field("coding_seconds", p.coding).field("pickup_seconds", p.pickup);
        w.field("review_seconds", p.review).field("deploy_seconds", p.deploy).end_object();
    }
    w.end_array().end_object();
    return w.end_object().take();
}

}  // namespace shiplog::tracking
