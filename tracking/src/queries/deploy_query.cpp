#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/time_format.hpp"
#include "index/deploy_index.hpp"
#include "records/facts.hpp"
#include "tracking/deploy.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

Result<std::vector<DeployView>> scan_deploys(lmdb::txn& txn, const Tables& tables,
                                             const std::string& prefix) {
    std::vector<DeployView> out;
    if (!tables.present) return out;
    std::optional<Error> bad;
    auto scanned =
        scan_prefix(txn, tables.deploys, prefix, [&](std::string_view, std::string_view v) {
            auto view = decode_deploy(v);
            if (!view) {
                bad = view.error();
                return false;
            }
            out.push_back(std::move(*view));
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (bad) return tl::unexpected(*bad);
    return out;
}

bool older(const DeployView& a, const DeployView& b) {
    return std::tie(a.deployed_at, a.seq) < std::tie(b.deployed_at, b.seq);
}

}  // namespace

Result<std::vector<DeployView>> list_deploys(lmdb::txn& txn, const Tables& tables,
                                             const DeployFilter& filter) {
    std::vector<DeployView> out;
    if (!tables.present) return out;
    // The newest `limit` rows of each matching deployment+environment from
    // the time index, merged; only the rows shown are decoded.
    std::vector<std::pair<std::string, std::string>> series;
    if (filter.deployment && filter.environment) {
        series.emplace_back(*filter.deployment, *filter.environment);
    } else {
        auto all = indexed_series(txn, tables);
        if (!all) return tl::unexpected(all.error());
        for (auto& s : *all)
            if ((!filter.deployment || s.first == *filter.deployment) &&
                (!filter.environment || s.second == *filter.environment))
                series.push_back(std::move(s));
    }
    struct Hit {
        Timestamp deployed_at;
        std::uint64_t seq;
        std::size_t series;
    };
    std::vector<Hit> hits;
    for (std::size_t i = 0; i < series.size(); ++i) {
        auto rows = newest_rows(txn, tables, series[i].first, series[i].second, filter.limit);
        if (!rows) return tl::unexpected(rows.error());
        for (const auto& row : *rows) hits.push_back({row.deployed_at, row.seq, i});
    }
    // Exact ties (one event deploying to several series) go by series, in
    // (deployment, environment) order, so the order is total and a cursor
    // over it (the API's paging) is stable.
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return std::tie(b.deployed_at, b.seq, a.series) < std::tie(a.deployed_at, a.seq, b.series);
    });
    if (filter.limit != 0 && hits.size() > filter.limit) hits.resize(filter.limit);
    out.reserve(hits.size());
    for (const auto& hit : hits) {
        const auto& [deployment, environment] = series[hit.series];
        auto value = get(txn, tables.deploys, deploy_key(deployment, environment, hit.seq));
        if (!value) return tl::unexpected(value.error());
        if (!*value)
            return fail(ErrorCode::store,
                        "the deploy index names a missing deploy (run shiplog reindex)");
        auto view = decode_deploy(**value);
        if (!view) return tl::unexpected(view.error());
        out.push_back(std::move(*view));
    }
    return out;
}

Result<std::vector<DeployView>> deploys_of(lmdb::txn& txn, const Tables& tables,
                                           std::string_view deployment,
                                           std::string_view environment) {
    auto deploys = scan_deploys(txn, tables, deploy_prefix(deployment, environment));
    if (!deploys) return deploys;
    std::sort(deploys->begin(), deploys->end(), older);
    return deploys;
}

Result<DeployView> get_deploy(lmdb::txn& txn, const Tables& tables, std::string_view id) {
    const auto first = id.find(':');
    const auto last = id.rfind(':');
    std::uint64_t seq = 0;
    const auto digits = id.substr(last == std::string_view::npos ? id.size() : last + 1);
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (first == std::string_view::npos || first == last || first == 0 || last == first + 1 ||
        digits.empty() || parsed.ec != std::errc{} || parsed.ptr != digits.data() + digits.size())
        return fail(
            ErrorCode::invalid_argument,
            "\"" + std::string(id) + "\" is not a deploy id (<deployment>:<environment>:<number>)");
    const auto deployment = id.substr(0, first);
    const auto environment = id.substr(first + 1, last - first - 1);
    const std::string not_found = "no deploy \"" + std::string(id) + "\"";
    if (!tables.present) return fail(ErrorCode::not_found, not_found);
    auto value = get(txn, tables.deploys, deploy_key(deployment, environment, seq));
    if (!value) return tl::unexpected(value.error());
    if (!*value) return fail(ErrorCode::not_found, not_found);
    return decode_deploy(**value);
}

Result<std::vector<QueueItem>> pending_for(lmdb::txn& txn, const Tables& tables,
                                           const DeployView& deploy) {
    std::vector<QueueItem> items;
    for (const auto& key : deploy.pending) {
        auto item = find_queue_item(txn, tables, key);
        if (!item) return tl::unexpected(item.error());
        if (*item) items.push_back(std::move(**item));
    }
    return items;
}

Result<std::optional<std::string>> latest_succeeded_sha(lmdb::txn& txn, const Tables& tables,
                                                        std::string_view deployment,
                                                        std::string_view environment) {
    // Newest first through the time index; stops at the first match.
    for (std::size_t limit = 16;; limit *= 4) {
        auto rows = newest_rows(txn, tables, deployment, environment, limit);
        if (!rows) return tl::unexpected(rows.error());
        for (const auto& row : *rows)
            if (row.status == DeployStatus::succeeded && !row.sha.empty())
                return std::optional<std::string>{row.sha};
        if (rows->size() < limit) return std::optional<std::string>{};
    }
}

namespace {

void write_deploy(json::Writer& w, const DeployView& d) {
    w.begin_object().field("id", d.id()).field("deployment", d.deployment);
    w.field("environment", d.environment).field("sha", d.sha);
    w.field("deployed_at", format_rfc3339(d.deployed_at));
    w.field("trigger", config::to_string(d.trigger)).field("status", to_string(d.status));
    w.key("failure");
    if (d.failure == Failure::none)
        w.null();
    else
        w.value(to_string(d.failure));
    w.field("commits_complete", d.commits_complete).field("commit_count", d.commits.size());
    w.key("commits").begin_array();
    for (const auto& c : d.commits) {
        w.begin_object();
        detail::write_commit_fields(w, c);
        w.end_object();
    }
    w.end_array().key("work_items").begin_array();
    for (auto id : d.work_items) w.value(id);
    w.end_array().key("pull_requests").begin_array();
    for (const auto& p : d.pull_requests) {
        w.begin_object().field("id", p.id).field("title", p.title);
        w.field("created_at", format_rfc3339(p.created_at));
        w.time_field("first_review_at", p.first_review_at);
        w.field("merged_at", format_rfc3339(p.merged_at)).end_object();
    }
    w.end_array();
    detail::write_batch(w, d.batch);
    detail::write_rework(w, d.rework);
    w.end_object();
}

}  // namespace

std::string deploy_json(const DeployView& d) {
    json::Writer w;
    write_deploy(w, d);
    return w.take();
}

std::string deploys_json(const std::vector<DeployView>& deploys) {
    json::Writer w;
    w.begin_array();
    for (const auto& d : deploys) write_deploy(w, d);
    return w.end_array().take();
}

}  // namespace shiplog::tracking
