// GET /api/v1/metrics/trend: the DORA figures of each week (or calendar
// month) of a window, each bucket exactly what /api/v1/metrics answers for
// its own [since, until). Each bucket reads only the index rows of its span
// (the metrics route's path without explain), so a year of weeks costs about
// what one year-long query costs.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/time_format.hpp"
#include "routes/api/dashboard_api.hpp"
#include "routes/api/query_params.hpp"
#include "storage/store.hpp"
#include "tracking/dora.hpp"

namespace shiplog::daemon::api {
namespace {

using http::json_error;

constexpr std::size_t k_max_buckets = 400;

// `t` plus `months` calendar months in UTC, the day clamped to the month's
// last (Jan 31 + 1 month = Feb 28/29), the time of day kept.
Timestamp add_months(Timestamp t, int months) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const auto time_of_day = t - day;
    const year_month_day ymd{day};
    auto ym = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
    const auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
    const auto d = ymd.day() > last ? last : ymd.day();
    return sys_days{year_month_day{ym.year(), ym.month(), d}} + time_of_day;
}

}  // namespace

http::Response metrics_trend(const http::Request& req, const ApiDeps& deps) {
    auto window = tracking::default_window(deps.clock.now());
    if (auto until = nonempty_param(req, "until")) {
        auto parsed = parse_cli_time(*until);
        if (!parsed) return json_error(400, "until: " + parsed.error().message);
        window.until = *parsed;
        window.since = *parsed - std::chrono::days{30};
    }
    if (auto since = nonempty_param(req, "since")) {
        auto parsed = parse_cli_time(*since);
        if (!parsed) return json_error(400, "since: " + parsed.error().message);
        window.since = *parsed;
    }
    if (window.since > window.until) return json_error(400, "since is after until");
    const std::string bucket = nonempty_param(req, "bucket").value_or("week");
    if (bucket != "week" && bucket != "month") return json_error(400, "bucket: week or month");

    std::vector<Timestamp> edges{window.since};
    for (int k = 1; edges.back() < window.until; ++k) {
        if (edges.size() > k_max_buckets)
            return json_error(400, "more than 400 buckets: use a shorter window or bucket=month");
        auto next = bucket == "week" ? window.since + std::chrono::days{7} * k
                                     : add_months(window.since, k);
        edges.push_back(next < window.until ? next : window.until);
    }

    tracking::DoraQuery query;
    query.deployment = nonempty_param(req, "deployment");
    query.environment = nonempty_param(req, "environment");
    query.explain = false;
    auto config = deps.config.get();
    json::Writer w;
    w.begin_object().field("deployment", query.deployment).field("environment", query.environment);
    w.field("since", format_rfc3339(window.since)).field("until", format_rfc3339(window.until));
    w.field("bucket", bucket).key("buckets").begin_array();
    auto answered =
        storage::read(deps.store, "read", [&](storage::Txn& txn) -> std::optional<http::Response> {
            // An empty window still validates the filter (an unknown
            // deployment is 404): one query over the empty interval.
            if (edges.size() == 1) {
                query.since = query.until = window.since;
                auto figures = tracking::query_dora(txn, deps.tables, *config, query);
                if (!figures)
                    return json_error(status_for(figures.error()), figures.error().message);
            }
            for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
                query.since = edges[i];
                query.until = edges[i + 1];
                auto figures = tracking::query_dora(txn, deps.tables, *config, query);
                if (!figures)
                    return json_error(status_for(figures.error()), figures.error().message);
                w.raw(tracking::dora_json(*figures));
            }
            return std::nullopt;
        });
    if (!answered) return json_error(503, "store unavailable");
    if (*answered) return std::move(**answered);
    return http::json(w.end_array().end_object().take());
}

}  // namespace shiplog::daemon::api
