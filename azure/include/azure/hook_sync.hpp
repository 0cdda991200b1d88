#pragma once
// Service-hook sync against a live AzureDevOpsClient: name resolution and
// applying a SyncPlan (docs/azure-devops.md). The planning itself is pure (hook_plan.hpp).
//
// Threading: whatever the client allows (one thread at a time).

#include <functional>
#include <string>
#include <vector>

#include "azure/client.hpp"
#include "azure/hook_plan.hpp"

namespace shiplog::azure {

// Resolves every project, repository and pipeline name the deployments use
// (each once). A name that does not exist fails with a message naming it and
// the deployment that uses it, e.g.
//   deployment web-api:production: repository "web-apj" not found in project "Fabrikam"
Result<ResolvedNames> resolve_names(AzureDevOpsClient& client, const config::Config& config);

// What one sync run found and (when applied) did.
struct SyncReport {
    std::string instance;
    SyncPlan plan;
    std::vector<std::string> warnings;  // list inputs sent unchecked (see resolve_names)
    std::vector<Subscription> owned;    // our subscriptions as listed before applying
};

// The whole of `hooks sync`: needs [azure_devops] (the client), [server]
// public_url and [webhook] with a password (config error otherwise); resolves
// names, lists subscriptions, plans, and applies the plan when `apply`.
Result<SyncReport> sync_hooks(AzureDevOpsClient& client, const config::Config& config, bool apply);

// Applies the plan in order; stops at the first failure (what was done before
// stays done: running sync again finishes the job). `on_done` is told about
// each item after it succeeded.
Status apply_plan(AzureDevOpsClient& client, const SyncPlan& plan,
                  const std::function<void(const PlanItem&)>& on_done = {});

}  // namespace shiplog::azure
