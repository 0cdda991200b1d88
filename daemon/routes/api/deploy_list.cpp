// GET /api/v1/deploys: the deploy list, newest first, with the dashboard's
// filters (window, status, failure, search) and cursor paging. The answer
// stays the plain array `shiplog deploys --json` prints; the next page's
// address travels in a Link header (rel="next").
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "common/time_format.hpp"
#include "routes/api/dashboard_api.hpp"
#include "routes/api/query_params.hpp"
#include "storage/store.hpp"
#include "tracking/deploy.hpp"
#include "tracking/deploy_cursor.hpp"

namespace shiplog::daemon::api {
namespace {

using http::json_error;

constexpr std::size_t k_max_limit = 10000;

using ascii::istarts_with;

// The search box: a work item ("1234", "#1234", "AB#1234"), a sha prefix
// (the deployed sha or any shipped commit), or part of an author's email or
// name; any of them matches.
class Search {
  public:
    explicit Search(std::string_view text) : m_text(ascii::lower(text)) {
        std::string_view digits = m_text;
        if (digits.starts_with("ab#"))
            digits.remove_prefix(3);
        else if (digits.starts_with("#"))
            digits.remove_prefix(1);
        std::int64_t id = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size())
            m_work_item = id;
    }

    bool matches(const tracking::DeployView& d) const {
        if (m_work_item &&
            std::binary_search(d.work_items.begin(), d.work_items.end(), *m_work_item))
            return true;
        if (istarts_with(d.sha, m_text)) return true;
        for (const auto& c : d.commits) {
            if (istarts_with(c.sha, m_text)) return true;
            if (ascii::lower(c.author_email).find(m_text) != std::string::npos) return true;
            if (ascii::lower(c.author_name).find(m_text) != std::string::npos) return true;
        }
        return false;
    }

  private:
    std::string m_text;
    std::optional<std::int64_t> m_work_item;
};

// The request's query without its cursor, plus `cursor`: the next page.
std::string next_link(const http::Request& req, const std::string& cursor) {
    std::string query;
    std::string_view rest = req.query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (part.empty() || part.starts_with("cursor=") || part == "cursor") continue;
        query += part;
        query += '&';
    }
    return "<" + req.path + "?" + query + "cursor=" + percent_encode(cursor) + ">; rel=\"next\"";
}

}  // namespace

http::Response deploy_list(const http::Request& req, const ApiDeps& deps) {
    tracking::DeployFilter filter;
    if (auto deployment = nonempty_param(req, "deployment")) filter.deployment = *deployment;
    if (auto environment = nonempty_param(req, "environment")) filter.environment = *environment;
    std::size_t limit = filter.limit;
    if (auto text = req.query_param("limit")) {
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc() || end != text->data() + text->size() || limit == 0 ||
            limit > k_max_limit)
            return json_error(400, "limit: must be a whole number from 1 to 10000");
    }
    // since/until: deployed_at in [since, until).
    std::optional<Timestamp> since, until;
    for (auto [name, bound] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
        auto text = nonempty_param(req, name);
        if (!text) continue;
        auto parsed = parse_cli_time(*text);
        if (!parsed) return json_error(400, std::string(name) + ": " + parsed.error().message);
        *bound = *parsed;
    }
    std::optional<tracking::DeployStatus> status;
    if (auto text = nonempty_param(req, "status")) {
        if (*text == "succeeded")
            status = tracking::DeployStatus::succeeded;
        else if (*text == "failed")
            status = tracking::DeployStatus::failed;
        else
            return json_error(400, "status: succeeded or failed");
    }
    std::optional<std::string> failure = nonempty_param(req, "failure");
    if (failure && *failure != "any" && *failure != "none" && *failure != "failed" &&
        *failure != "rollback" && *failure != "incident")
        return json_error(400, "failure: any, none, failed, rollback or incident");
    std::optional<Search> search;
    if (auto text = nonempty_param(req, "q")) search.emplace(*text);
    std::optional<tracking::DeployPosition> cursor;
    if (auto text = nonempty_param(req, "cursor")) {
        cursor = tracking::parse_cursor(*text);
        if (!cursor) return json_error(400, "cursor: not a cursor from a Link header");
    }

    const bool sifted = since || until || status || failure || search || cursor;
    // One more than asked: whether a next page exists.
    filter.limit = sifted ? 0 : limit + 1;
    auto keep = [&](const tracking::DeployView& d) {
        if (since && d.deployed_at < *since) return false;
        if (until && d.deployed_at >= *until) return false;
        if (status && d.status != *status) return false;
        if (failure) {
            if (*failure == "any" && d.failure == tracking::Failure::none) return false;
            if (*failure != "any" && *failure != tracking::to_string(d.failure)) return false;
        }
        if (search && !search->matches(d)) return false;
        if (cursor && !tracking::comes_after(tracking::position_of(d), *cursor)) return false;
        return true;
    };
    auto answered = storage::read(deps.store, "read", [&](storage::Txn& txn) -> http::Response {
        auto deploys = tracking::list_deploys(txn, deps.tables, filter);
        if (!deploys) return json_error(status_for(deploys.error()), deploys.error().message);
        std::erase_if(*deploys, [&](const tracking::DeployView& d) { return !keep(d); });
        std::optional<std::string> next;
        if (deploys->size() > limit) {
            deploys->resize(limit);
            next = tracking::format_cursor(deploys->back());
        }
        auto res = http::json(tracking::deploys_json(*deploys));
        if (next) res.set_header("Link", next_link(req, *next));
        return res;
    });
    if (!answered) return json_error(503, "store unavailable");
    return std::move(*answered);
}

}  // namespace shiplog::daemon::api
