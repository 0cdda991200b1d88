#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/time_format.hpp"
#include "facts.hpp"
#include "tracking/deploy.hpp"

namespace shiplog::tracking {

using namespace detail;

const char* to_string(DeployStatus status) {
    switch (status) {
        case DeployStatus::succeeded:
            return "succeeded";
        case DeployStatus::failed:
            return "failed";
    }
    return "unknown";
}

const char* to_string(Failure failure) {
    switch (failure) {
        case Failure::none:
            return "none";
        case Failure::failed:
            return "failed";
        case Failure::rollback:
            return "rollback";
        case Failure::incident:
            return "incident";
    }
    return "unknown";
}

std::string DeployView::id() const {
    return deployment + ":" + environment + ":" + std::to_string(seq);
}

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
    std::string prefix;
    if (filter.deployment) {
        KeyBuilder key;
        key.str(*filter.deployment);
        if (filter.environment) key.str(*filter.environment);
        prefix = key.sep().bytes();
    }
    auto deploys = scan_deploys(txn, tables, prefix);
    if (!deploys) return deploys;
    if (filter.environment && !filter.deployment)
        std::erase_if(*deploys,
                      [&](const DeployView& d) { return d.environment != *filter.environment; });
    std::sort(deploys->begin(), deploys->end(),
              [](const DeployView& a, const DeployView& b) { return older(b, a); });
    if (filter.limit != 0 && deploys->size() > filter.limit) deploys->resize(filter.limit);
    return deploys;
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
    auto deploys = deploys_of(txn, tables, deployment, environment);
    if (!deploys) return tl::unexpected(deploys.error());
    for (auto it = deploys->rbegin(); it != deploys->rend(); ++it)
        if (it->status == DeployStatus::succeeded && !it->sha.empty())
            return std::optional<std::string>{it->sha};
    return std::optional<std::string>{};
}

std::string deploy_json(const DeployView& d) {
    std::string out = "{\"id\":";
    append_json_string(out, d.id());
    out += ",\"deployment\":";
    append_json_string(out, d.deployment);
    out += ",\"environment\":";
    append_json_string(out, d.environment);
    out += ",\"sha\":";
    append_json_string(out, d.sha);
    out += ",\"deployed_at\":";
    append_json_string(out, format_rfc3339(d.deployed_at));
    out += ",\"trigger\":";
    append_json_string(out, config::to_string(d.trigger));
    out += ",\"status\":";
    append_json_string(out, to_string(d.status));
    out += ",\"failure\":";
    if (d.failure == Failure::none)
        out += "null";
    else
        append_json_string(out, to_string(d.failure));
    out += ",\"commits_complete\":";
    out += d.commits_complete ? "true" : "false";
    out += ",\"commit_count\":" + std::to_string(d.commits.size());
    out += ",\"commits\":[";
    for (std::size_t i = 0; i < d.commits.size(); ++i) {
        const auto& c = d.commits[i];
        if (i) out += ",";
        out += "{\"sha\":";
        append_json_string(out, c.sha);
        out += ",\"author_email\":";
        append_json_string(out, c.author_email);
        out += ",\"authored_at\":";
        if (c.authored_at)
            append_json_string(out, format_rfc3339(*c.authored_at));
        else
            out += "null";
        out += ",\"summary\":";
        append_json_string(out, c.summary);
        out += "}";
    }
    out += "],\"work_items\":[";
    for (std::size_t i = 0; i < d.work_items.size(); ++i) {
        if (i) out += ",";
        out += std::to_string(d.work_items[i]);
    }
    out += "]}";
    return out;
}

std::string deploys_json(const std::vector<DeployView>& deploys) {
    std::string out = "[";
    for (std::size_t i = 0; i < deploys.size(); ++i) {
        if (i) out += ",";
        out += deploy_json(deploys[i]);
    }
    out += "]";
    return out;
}

}  // namespace shiplog::tracking
