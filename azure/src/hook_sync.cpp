#include "azure/hook_sync.hpp"

#include <algorithm>

#include "common/ascii.hpp"

#include "common/event_kind.hpp"

namespace shiplog::azure {
namespace {

using ascii::iequals;

// The listed value naming `wanted`: the same text, else the same ignoring
// case (the server's spelling wins); empty when none does.
std::string listed(const std::vector<std::string>& values, std::string_view wanted) {
    for (const auto& v : values)
        if (v == wanted) return v;
    for (const auto& v : values)
        if (iequals(v, wanted)) return v;
    return {};
}

// definitionName and branch are list inputs the server validates against
// what its inputValuesQuery offers, so the value sent is taken from that list.
Status resolve_list_inputs(AzureDevOpsClient& client, const config::DeploymentConfig& d,
                           const std::string& who, ResolvedNames& ids,
                           std::vector<std::string>& warnings) {
    const std::string& project_id = ids.project_ids.at(d.project);
    if (d.trigger == config::Trigger::build &&
        !ids.definition_names.contains({d.project, d.pipeline})) {
        const auto& kind = info(EventKind::build_complete);
        auto names = client.query_input_values(std::string(kind.publisher), std::string(kind.name),
                                               {{"projectId", project_id}}, "definitionName");
        if (!names) {
            // Older servers, or a proxy in the way: the configured text is sent
            // and the server has the last word on create.
            warnings.push_back(who + "could not list the project's pipelines (" +
                               names.error().message + "); definitionName sent as configured");
        } else if (auto name = listed(*names, d.pipeline); !name.empty()) {
            ids.definition_names.emplace(std::pair{d.project, d.pipeline}, name);
        } else {
            return fail(ErrorCode::not_found,
                        who + "pipeline \"" + d.pipeline + "\" is not among the " +
                            std::to_string(names->size()) + " build pipelines of project \"" +
                            d.project + "\" (build.complete definitionName)");
        }
    }
    const std::tuple key{d.project, d.repository, d.branch};
    if (!ids.branch_refs.contains(key)) {
        const auto& kind = info(EventKind::git_push);
        auto branches = client.query_input_values(
            std::string(kind.publisher), std::string(kind.name),
            {{"projectId", project_id},
             {"repository", ids.repository_ids.at({d.project, d.repository})}},
            "branch");
        // No list, or one without the branch (not pushed yet): the full ref
        // name, the form the server's lists use.
        std::string ref;
        if (branches) {
            ref = listed(*branches, "refs/heads/" + d.branch);
            if (ref.empty()) ref = listed(*branches, d.branch);
        }
        ids.branch_refs.emplace(key, ref.empty() ? "refs/heads/" + d.branch : ref);
    }
    return {};
}

}  // namespace

Result<ResolvedNames> resolve_names(AzureDevOpsClient& client, const config::Config& config) {
    ResolvedNames ids;
    for (const auto& d : config.deployments) {
        const std::string who = "deployment " + d.name + ":" + d.environment + ": ";
        if (!ids.project_ids.contains(d.project)) {
            auto p = client.get_project(d.project);
            if (!p) return fail(p.error().code, who + p.error().message);
            ids.project_ids.emplace(d.project, p->id);
        }
        if (!ids.repository_ids.contains({d.project, d.repository})) {
            auto r = client.get_repository(d.project, d.repository);
            if (!r) return fail(r.error().code, who + r.error().message);
            ids.repository_ids.emplace(std::pair{d.project, d.repository}, r->id);
        }
        if (d.trigger == config::Trigger::stage &&
            !ids.pipeline_ids.contains({d.project, d.pipeline})) {
            auto b = client.get_build_definition(d.project, d.pipeline);
            if (!b) return fail(b.error().code, who + b.error().message);
            ids.pipeline_ids.emplace(std::pair{d.project, d.pipeline}, b->id);
        }
        if (d.trigger == config::Trigger::release) {
            // Release definitions live on the Release Management host (vsrm).
            auto r = resolve_release(client, d);
            if (!r) return fail(r.error().code, who + r.error().message);
            ids.release_ids[{d.project, d.release_definition, d.release_environment}] = *r;
        }
        if (auto st = resolve_list_inputs(client, d, who, ids, ids.warnings); !st)
            return tl::unexpected(st.error());
    }
    return ids;
}

Result<SyncReport> sync_hooks(AzureDevOpsClient& client, const config::Config& config, bool apply) {
    if (config.server.public_url.empty())
        return fail(
            ErrorCode::config,
            "hooks need [server] public_url in the config (the base URL Azure DevOps calls)");
    if (!config.webhook || config.webhook->passwords.empty())
        return fail(ErrorCode::config,
                    "hooks sync needs [webhook] username and password_file: Azure DevOps must "
                    "authenticate to "
                    "/hooks/azure-devops");
    SyncReport report;
    auto identity = make_identity(config);
    report.instance = identity.instance;
    auto ids = resolve_names(client, config);
    if (!ids) return tl::unexpected(ids.error());
    report.warnings = ids->warnings;
    auto desired = desired_hooks(config, identity, *ids, &report.warnings);
    if (!desired) return tl::unexpected(desired.error());
    auto existing = client.list_subscriptions();
    if (!existing) return tl::unexpected(existing.error());
    for (const auto& s : *existing)
        if (is_owned(s, identity.instance)) report.owned.push_back(s);
    report.plan = plan_sync(*desired, *existing, identity.instance);
    if (apply) {
        auto applied = apply_plan(client, report.plan);
        if (!applied) return tl::unexpected(applied.error());
    }
    return report;
}

Status apply_plan(AzureDevOpsClient& client, const SyncPlan& plan,
                  const std::function<void(const PlanItem&)>& on_done) {
    for (const auto& item : plan.items) {
        switch (item.action) {
            case PlanItem::Action::create: {
                auto r = client.create_subscription(item.subscription);
                if (!r) return tl::unexpected(r.error());
                break;
            }
            case PlanItem::Action::replace: {
                auto r = client.replace_subscription(item.subscription);
                if (!r) return tl::unexpected(r.error());
                break;
            }
            case PlanItem::Action::remove: {
                auto r = client.delete_subscription(item.subscription.id);
                if (!r) return tl::unexpected(r.error());
                break;
            }
        }
        if (on_done) on_done(item);
    }
    return {};
}

}  // namespace shiplog::azure
