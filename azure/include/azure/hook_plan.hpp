#pragma once
// Service-hook sync planning (docs/azure-devops.md), as pure functions: the desired set of
// webhook subscriptions for a config, and the plan that turns what Azure
// DevOps holds into it. No I/O here; azure/hook_sync.hpp does the calls.
//
// Ownership: every subscription shiplog creates carries the header
//   X-Shiplog-Hook: <instance>/<eventType>/<digest>
// in consumerInputs.httpHeaders. <instance> is the first 12 hex digits of
// SHA-256(public_url), so two shiplogs on one organization never touch each
// other's hooks. <digest> (16 hex digits of SHA-256) covers the consumer URL,
// the resource version, the filter, the basic-auth user name and
// HMAC-SHA256(key = current webhook password, message = instance): Azure
// DevOps reads passwords back as "********", so a password rotation shows up
// as a changed digest (drift) without any stored state.
//
// Pinned resourceVersion per event type: git.push, build.complete and
// workitem.* 1.0; ms.vss-pipelines.* 5.1-preview.1; ms.vss-release.* 3.0-preview.1.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "azure/client.hpp"
#include "common/json.hpp"
#include "config/config.hpp"

namespace shiplog::azure {

inline constexpr const char* k_marker_header = "X-Shiplog-Hook";

// Ids that Azure DevOps assigned to the names in the config.
struct ResolvedNames {
    std::map<std::string, std::string> project_ids;  // project name -> id
    std::map<std::pair<std::string, std::string>, std::string>
        repository_ids;  // (project, repo) -> id
    std::map<std::pair<std::string, std::string>, std::int64_t>
        pipeline_ids;  // (project, pipeline) -> id
    // (project, definition, environment) -> (definition id, environment id)
    std::map<std::tuple<std::string, std::string, std::string>,
             std::pair<std::int64_t, std::int64_t>>
        release_ids;
    // The values sent for list inputs, in the server's spelling (its
    // inputValuesQuery answer); desired_hooks falls back to the configured
    // pipeline name and to refs/heads/<branch> for a pair not listed here.
    std::map<std::pair<std::string, std::string>, std::string>
        definition_names;  // (project, pipeline) -> build.complete definitionName
    std::map<std::tuple<std::string, std::string, std::string>, std::string>
        branch_refs;                    // (project, repo, branch) -> git.push branch
    std::vector<std::string> warnings;  // list inputs the server would not list
};

// Who we are to Azure DevOps, derived from the config.
struct HookIdentity {
    std::string instance;      // 12 hex digits of SHA-256(public_url)
    std::string url;           // <public_url>/hooks/azure-devops
    std::string username;      // [webhook] username ("" without [webhook])
    std::string password;      // current [webhook] password ("" without [webhook])
    std::string password_mac;  // hex HMAC-SHA256(key=password, msg=instance); "" without a password
};

HookIdentity make_identity(const config::Config& config);

// The ids of a release deployment's definition and environment (stage), by
// name: GET {vsrm}/{project}/_apis/release/definitions?searchText=. not_found
// names the definition, or the environment and the ones the definition has.
Result<std::pair<std::int64_t, std::int64_t>> resolve_release(AzureDevOpsClient& client,
                                                              const config::DeploymentConfig& d);

// One subscription shiplog wants Azure DevOps to hold.
struct DesiredHook {
    Subscription subscription;             // complete body for create/replace (password included)
    std::string filter;                    // canonical "k=v;k=v" of the publisher inputs
    std::string marker;                    // value of the X-Shiplog-Hook header
    std::vector<std::string> deployments;  // "name:environment" that need it
};

// The desired set: one per distinct (event type, filter), in a stable order.
// A project, repository, pipeline or release definition/environment missing
// from `ids` is an error naming the deployment and the name. `warnings` is
// kept for callers; nothing is left out silently.
Result<std::vector<DesiredHook>> desired_hooks(const config::Config& config,
                                               const HookIdentity& identity,
                                               const ResolvedNames& ids,
                                               std::vector<std::string>* warnings = nullptr);

// The canonical filter of publisher inputs: sorted "k=v" joined with ';',
// leaving out the server-added hostId/tfsSubscriptionId and empty values.
std::string canonical_filter(const std::map<std::string, std::string>& publisher_inputs);

// The X-Shiplog-Hook value in a subscription's httpHeaders, or "".
std::string marker_of(const Subscription& s);
// True when the subscription carries a marker of `instance`.
bool is_owned(const Subscription& s, const std::string& instance);

struct PlanItem {
    enum class Action { create, replace, remove } action;
    std::string reason;  // "missing", "drift", "re-enable (onProbation)", "obsolete", "duplicate"
    Subscription subscription;  // create/replace: the body to send (replace: with the existing id);
                                // remove: the existing
    std::string filter;
    std::vector<std::string> deployments;
};
const char* to_string(PlanItem::Action a);

struct SyncPlan {
    std::vector<PlanItem> items;  // creates, then replaces, then removes
    std::size_t unchanged = 0;
    bool empty() const { return items.empty(); }
};

// Compares `existing` (everything the organization holds) with `desired`.
// Only subscriptions owned by `instance` are ever replaced or removed; an
// owned one with the same (event type, filter) as a desired one but another
// digest, URL or a probation/disabledBySystem status is replaced; owned ones
// no longer desired (and duplicates) are removed.
SyncPlan plan_sync(const std::vector<DesiredHook>& desired,
                   const std::vector<Subscription>& existing, const std::string& instance);

// Deleting the integration: removes every owned subscription, nothing else.
SyncPlan plan_remove_all(const std::vector<Subscription>& existing, const std::string& instance);

// The plan as JSON: {"create":n,"replace":n,"remove":n,"unchanged":n,"items":[...]}
// (no passwords).
std::string plan_json(const SyncPlan& plan);

// A subscription as JSON for `hooks list --json` (no passwords), with the
// deployments that need it.
std::string subscription_json(const Subscription& s,
                              const std::vector<std::string>& deployments = {});
// The same members, inside an object the caller opened (and may add to).
void write_subscription_fields(json::Writer& w, const Subscription& s,
                               const std::vector<std::string>& deployments);

}  // namespace shiplog::azure
