#include "azure/hook_sync.hpp"

namespace shiplog::azure {

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
