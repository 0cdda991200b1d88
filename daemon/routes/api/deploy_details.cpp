// GET /api/v1/deploys/{id}/details: what a deploy's page shows beside the
// deploy object -- where it came from, links into Azure DevOps (built from
// [azure_devops] organization_url and the deployment's project and
// repository), its work items with the titles shiplog received, and the
// incidents blamed on it with their times.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "common/time_format.hpp"
#include "routes/api/dashboard_api.hpp"
#include "routes/api/query_params.hpp"
#include "storage/store.hpp"
#include "tracking/deploy.hpp"
#include "tracking/deploy_details.hpp"

namespace shiplog::daemon::api {
namespace {

using http::json_error;

const config::DeploymentConfig* find_deployment(const config::Config& config,
                                                const tracking::DeployView& d) {
    for (const auto& candidate : config.deployments)
        if (candidate.name == d.deployment && candidate.environment == d.environment)
            return &candidate;
    return nullptr;
}

// Azure DevOps web addresses; empty when there is no [azure_devops] (no
// organization to point into) or the part they need is unknown.
class Links {
  public:
    Links(const config::Config& config, const config::DeploymentConfig* deployment) {
        if (!config.azure_devops || !deployment) return;
        m_project =
            config.azure_devops->organization_url + "/" + percent_encode(deployment->project);
        if (!deployment->repository.empty())
            m_repository = m_project + "/_git/" + percent_encode(deployment->repository);
    }

    bool any() const { return !m_project.empty(); }
    const std::string& repository() const { return m_repository; }
    std::string commit(std::string_view sha) const {
        return m_repository.empty() || sha.empty() ? std::string()
                                                   : m_repository + "/commit/" + std::string(sha);
    }
    std::string run(const std::optional<tracking::DeployOrigin>& origin) const {
        if (m_project.empty() || !origin || origin->ref_id <= 0) return {};
        const auto id = std::to_string(origin->ref_id);
        if (origin->kind == "build" || origin->kind == "stage")
            return m_project + "/_build/results?buildId=" + id;
        if (origin->kind == "release") return m_project + "/_releaseProgress?releaseId=" + id;
        return {};
    }
    // Work items are addressed through their own project when it is known.
    std::string work_item(const config::Config& config, std::int64_t id,
                          std::string_view project) const {
        if (m_project.empty()) return {};
        const auto base =
            project.empty() ? m_project
                            : config.azure_devops->organization_url + "/" + percent_encode(project);
        return base + "/_workitems/edit/" + std::to_string(id);
    }

  private:
    std::string m_project;
    std::string m_repository;
};

// The work item number of a Boards incident id ("boards:7"); nullopt for
// incidents from other sources.
std::optional<std::int64_t> boards_number(std::string_view id) {
    constexpr std::string_view k_prefix = "boards:";
    if (!id.starts_with(k_prefix)) return std::nullopt;
    id.remove_prefix(k_prefix.size());
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    if (ec != std::errc{} || end != id.data() + id.size()) return std::nullopt;
    return n;
}

}  // namespace

http::Response deploy_details(const http::Request& req, const ApiDeps& deps) {
    auto config = deps.config.get();
    auto answered = storage::read(deps.store, "read", [&](storage::Txn& txn) -> http::Response {
        auto deploy = tracking::get_deploy(txn, deps.tables, decode_segment(req.params.at(0)));
        if (!deploy) return json_error(status_for(deploy.error()), deploy.error().message);
        auto origin = tracking::deploy_origin(txn, deps.tables, *deploy);
        if (!origin) return json_error(status_for(origin.error()), origin.error().message);
        auto items =
            tracking::work_item_infos(txn, deps.tables, deploy->work_items, config->failures);
        if (!items) return json_error(status_for(items.error()), items.error().message);
        // Boards incidents are work items ("boards:<id>"); the others
        // (register_impact, Azure Monitor) have no work item to look up.
        std::vector<std::int64_t> board_ids;
        for (const auto& id : deploy->incidents)
            if (auto number = boards_number(id)) board_ids.push_back(*number);
        auto incidents = tracking::work_item_infos(txn, deps.tables, board_ids, config->failures);
        if (!incidents) return json_error(status_for(incidents.error()), incidents.error().message);

        const Links links(*config, find_deployment(*config, *deploy));
        json::Writer w;
        w.begin_object().field("id", deploy->id()).key("origin");
        if (*origin) {
            w.begin_object().field("kind", (*origin)->kind).key("id");
            if ((*origin)->ref_id > 0)
                w.value((*origin)->ref_id);
            else
                w.null();
            w.end_object();
        } else {
            w.null();
        }
        w.key("links");
        if (links.any()) {
            w.begin_object();
            w.text_or_null("repository", links.repository());
            w.text_or_null("commit", links.commit(deploy->sha));
            w.text_or_null("run", links.run(*origin));
            w.end_object();
        } else {
            w.null();
        }
        w.key("work_items").begin_array();
        for (const auto id : deploy->work_items) {
            const tracking::WorkItemInfo* info = nullptr;
            for (const auto& candidate : *items)
                if (candidate.id == id) info = &candidate;
            w.begin_object().field("id", id);
            w.text_or_null("title", info ? info->title : std::string());
            w.text_or_null("type", info ? info->type : std::string());
            w.text_or_null("state", info ? info->state : std::string());
            w.text_or_null("url", links.work_item(*config, id, info ? info->project : ""));
            w.end_object();
        }
        w.end_array().key("incidents").begin_array();
        for (const auto& id : deploy->incidents) {
            const auto number = boards_number(id);
            const tracking::WorkItemInfo* info = nullptr;
            if (number)
                for (const auto& candidate : *incidents)
                    if (candidate.id == *number) info = &candidate;
            w.begin_object().field("id", id).field("work_item", number);
            w.text_or_null("title", info ? info->title : std::string());
            w.text_or_null("state", info ? info->state : std::string());
            w.time_field("opened_at", info ? info->created_at : std::nullopt);
            w.time_field("restored_at", info ? info->restored_at : std::nullopt);
            w.text_or_null("url", number
                                      ? links.work_item(*config, *number, info ? info->project : "")
                                      : std::string());
            w.end_object();
        }
        w.end_array().field("rest_lookups", config->azure_devops.has_value());
        return http::json(w.end_object().take());
    });
    if (!answered) return json_error(503, "store unavailable");
    return std::move(*answered);
}

}  // namespace shiplog::daemon::api
