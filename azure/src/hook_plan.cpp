#include "azure/hook_plan.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/ascii.hpp"
#include "common/event_kind.hpp"
#include "json_text.hpp"

namespace shiplog::azure {
namespace {

std::string to_hex(const unsigned char* data, std::size_t n) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += hex[data[i] >> 4];
        out += hex[data[i] & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view s) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
    return to_hex(d, sizeof d);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view msg) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), d, &n);
    return to_hex(d, n);
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

using ascii::iequals;

std::string digest(const HookIdentity& id, const std::string& event_type,
                   const std::string& resource_version, const std::string& filter) {
    std::string material = id.url + '\n' + event_type + '\n' + resource_version + '\n' + filter +
                           '\n' + id.username + '\n' + id.password_mac;
    return sha256_hex(material).substr(0, 16);
}

std::string marker_instance(const std::string& marker) {
    return marker.substr(0, marker.find('/'));
}

std::string key_of(const std::string& event_type, const std::string& filter) {
    return event_type + '\n' + filter;
}

}  // namespace

HookIdentity make_identity(const config::Config& config) {
    HookIdentity id;
    std::string base = config.server.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    id.instance = sha256_hex(base).substr(0, 12);
    id.url = base + "/hooks/azure-devops";
    if (config.webhook) {
        id.username = config.webhook->username;
        if (!config.webhook->passwords.empty())
            id.password = config.webhook->passwords.front().reveal();
    }
    if (!id.password.empty()) id.password_mac = hmac_sha256_hex(id.password, id.instance);
    return id;
}

// Input names compare case-insensitively: the docs spell the stage filter
// both PipelineId and pipelineId, and a server that stores another case
// must not make every sync delete and re-create the hook.
std::string canonical_filter(const std::map<std::string, std::string>& inputs) {
    std::vector<std::pair<std::string, std::string>> named;
    for (const auto& [k, v] : inputs) {
        if (v.empty() || iequals(k, "hostId") || iequals(k, "tfsSubscriptionId")) continue;
        named.emplace_back(ascii::lower(k), v);
    }
    std::sort(named.begin(), named.end());
    std::string out;
    for (const auto& [k, v] : named) {
        if (!out.empty()) out += ';';
        out += k + '=' + v;
    }
    return out;
}

std::string marker_of(const Subscription& s) {
    auto it = s.consumer_inputs.find("httpHeaders");
    if (it == s.consumer_inputs.end()) return {};
    std::string_view text = it->second;
    while (!text.empty()) {
        auto eol = text.find_first_of("\r\n\f");
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (iequals(trim(line.substr(0, colon)), k_marker_header))
            return trim(line.substr(colon + 1));
    }
    return {};
}

bool is_owned(const Subscription& s, const std::string& instance) {
    std::string marker = marker_of(s);
    return !marker.empty() && marker_instance(marker) == instance;
}

const char* to_string(PlanItem::Action a) {
    switch (a) {
        case PlanItem::Action::create:
            return "create";
        case PlanItem::Action::replace:
            return "replace";
        case PlanItem::Action::remove:
            return "remove";
    }
    return "?";
}

Result<std::vector<DesiredHook>> desired_hooks(
    const config::Config& config, const HookIdentity& identity, const ResolvedNames& ids,
    std::vector<std::string>* /*warnings: none any more*/) {
    std::vector<DesiredHook> out;
    std::map<std::string, std::size_t> index;  // key_of -> position in out

    // Pinned resource versions (docs/azure-devops.md) come with the kind.
    auto add = [&](const EventKindInfo& kind, std::map<std::string, std::string> inputs,
                   const std::string& deployment) {
        const std::string event_type(kind.name);
        const std::string resource_version(kind.resource_version);
        std::string filter = canonical_filter(inputs);
        std::string key = key_of(event_type, filter);
        if (auto it = index.find(key); it != index.end()) {
            auto& deps = out[it->second].deployments;
            if (std::find(deps.begin(), deps.end(), deployment) == deps.end())
                deps.push_back(deployment);
            return;
        }
        DesiredHook h;
        h.filter = filter;
        h.marker = identity.instance + "/" + event_type + "/" +
                   digest(identity, event_type, resource_version, filter);
        h.deployments.push_back(deployment);
        auto& s = h.subscription;
        s.publisher_id = std::string(kind.publisher);
        s.event_type = event_type;
        s.resource_version = resource_version;
        s.publisher_inputs = std::move(inputs);
        s.consumer_inputs["url"] = identity.url;
        if (!identity.username.empty()) s.consumer_inputs["basicAuthUsername"] = identity.username;
        if (!identity.password.empty()) s.consumer_inputs["basicAuthPassword"] = identity.password;
        s.consumer_inputs["httpHeaders"] = std::string(k_marker_header) + ":" + h.marker;
        s.consumer_inputs["messagesToSend"] = "none";
        s.consumer_inputs["detailedMessagesToSend"] = "none";
        index.emplace(key, out.size());
        out.push_back(std::move(h));
    };

    // Every kind the table subscribes to `when`, with the same filter.
    auto add_kinds = [&](Subscribe when, const std::map<std::string, std::string>& inputs,
                         const std::string& deployment) {
        for (const auto& kind : k_event_kinds)
            if (kind.subscribe == when) add(kind, inputs, deployment);
    };

    std::vector<std::string> projects_in_order;
    for (const auto& d : config.deployments) {
        const std::string who = d.name + ":" + d.environment;
        auto project = ids.project_ids.find(d.project);
        if (project == ids.project_ids.end())
            return fail(ErrorCode::not_found,
                        "deployment " + who + ": project \"" + d.project + "\" not resolved");
        const std::string& project_id = project->second;
        if (std::find(projects_in_order.begin(), projects_in_order.end(), d.project) ==
            projects_in_order.end())
            projects_in_order.push_back(d.project);

        auto repo = ids.repository_ids.find({d.project, d.repository});
        if (repo == ids.repository_ids.end())
            return fail(ErrorCode::not_found, "deployment " + who + ": repository \"" +
                                                  d.repository + "\" in project \"" + d.project +
                                                  "\" not resolved");
        // The branch input is a list value the server checks: the full ref
        // name, as its inputValuesQuery lists them.
        auto branch = ids.branch_refs.find({d.project, d.repository, d.branch});
        add_kinds(Subscribe::every_deployment,
                  {{"projectId", project_id},
                   {"repository", repo->second},
                   {"branch",
                    branch != ids.branch_refs.end() ? branch->second : "refs/heads/" + d.branch}},
                  who);
        add_kinds(Subscribe::every_repository,
                  {{"projectId", project_id}, {"repository", repo->second}}, who);

        switch (d.trigger) {
            case config::Trigger::build: {
                auto name = ids.definition_names.find({d.project, d.pipeline});
                add_kinds(Subscribe::build_trigger,
                          {{"projectId", project_id},
                           {"definitionName",
                            name != ids.definition_names.end() ? name->second : d.pipeline}},
                          who);
                break;
            }
            case config::Trigger::stage: {
                auto pipeline = ids.pipeline_ids.find({d.project, d.pipeline});
                if (pipeline == ids.pipeline_ids.end())
                    return fail(ErrorCode::not_found, "deployment " + who + ": pipeline \"" +
                                                          d.pipeline + "\" in project \"" +
                                                          d.project + "\" not resolved");
                add_kinds(
                    Subscribe::stage_trigger,
                    {{"projectId", project_id}, {"pipelineId", std::to_string(pipeline->second)}},
                    who);
                break;
            }
            case config::Trigger::release: {
                auto release =
                    ids.release_ids.find({d.project, d.release_definition, d.release_environment});
                if (release == ids.release_ids.end())
                    return fail(ErrorCode::not_found,
                                "deployment " + who + ": release definition \"" +
                                    d.release_definition + "\" (environment \"" +
                                    d.release_environment + "\") in project \"" + d.project +
                                    "\" not resolved");
                // No releaseEnvironmentStatus filter: it takes one status, and a
                // deploy needs succeeded, partiallySucceeded and rejected/failed
                // (canceled ones are journaled and make no deploy).
                add_kinds(Subscribe::release_trigger,
                          {{"projectId", project_id},
                           {"releaseDefinitionId", std::to_string(release->second.first)},
                           {"releaseEnvironmentId", std::to_string(release->second.second)}},
                          who);
                break;
            }
            case config::Trigger::push:
            case config::Trigger::manual:
                break;
        }
    }
    for (const auto& name : projects_in_order) {
        const std::string& project_id = ids.project_ids.at(name);
        for (const auto& kind : k_event_kinds) {
            if (kind.subscribe != Subscribe::every_project) continue;
            for (const auto& d : config.deployments)
                if (d.project == name)
                    add(kind, {{"projectId", project_id}}, d.name + ":" + d.environment);
        }
    }
    return out;
}

SyncPlan plan_sync(const std::vector<DesiredHook>& desired,
                   const std::vector<Subscription>& existing, const std::string& instance) {
    SyncPlan plan;
    std::map<std::string, const DesiredHook*> wanted;
    for (const auto& h : desired) wanted.emplace(key_of(h.subscription.event_type, h.filter), &h);

    std::set<std::string> satisfied;
    std::vector<PlanItem> replaces, removes;
    for (const auto& s : existing) {
        if (!is_owned(s, instance)) continue;  // never touch what is not ours
        std::string filter = canonical_filter(s.publisher_inputs);
        std::string key = key_of(s.event_type, filter);
        auto it = wanted.find(key);
        if (it == wanted.end() || satisfied.contains(key)) {
            removes.push_back({PlanItem::Action::remove,
                               it == wanted.end() ? "obsolete" : "duplicate",
                               s,
                               filter,
                               {}});
            continue;
        }
        satisfied.insert(key);
        const DesiredHook& h = *it->second;
        std::string reason;
        auto url = s.consumer_inputs.find("url");
        // The marker's digest already covers the resource version, the URL,
        // the user name and the password; the resource version is not compared
        // directly in case the server normalises it.
        if (marker_of(s) != h.marker || url == s.consumer_inputs.end() ||
            url->second != h.subscription.consumer_inputs.at("url") ||
            s.consumer_id != h.subscription.consumer_id ||
            s.consumer_action_id != h.subscription.consumer_action_id)
            reason = "drift";
        else if (s.status == "onProbation" || s.status == "disabledBySystem")
            reason = "re-enable (" + s.status + ")";
        if (reason.empty()) {
            ++plan.unchanged;
            continue;
        }
        Subscription body = h.subscription;
        body.id = s.id;
        body.status = "enabled";
        replaces.push_back(
            {PlanItem::Action::replace, reason, std::move(body), h.filter, h.deployments});
    }
    for (const auto& h : desired) {
        std::string key = key_of(h.subscription.event_type, h.filter);
        if (!satisfied.contains(key))
            plan.items.push_back(
                {PlanItem::Action::create, "missing", h.subscription, h.filter, h.deployments});
    }
    for (auto& r : replaces) plan.items.push_back(std::move(r));
    for (auto& r : removes) plan.items.push_back(std::move(r));
    return plan;
}

SyncPlan plan_remove_all(const std::vector<Subscription>& existing, const std::string& instance) {
    SyncPlan plan;
    for (const auto& s : existing)
        if (is_owned(s, instance))
            plan.items.push_back(
                {PlanItem::Action::remove, "remove", s, canonical_filter(s.publisher_inputs), {}});
    return plan;
}

namespace {

std::map<std::string, std::string> public_consumer_inputs(const Subscription& s) {
    auto inputs = s.consumer_inputs;
    if (auto it = inputs.find("basicAuthPassword"); it != inputs.end()) it->second = "********";
    return inputs;
}

}  // namespace

std::string subscription_json(const Subscription& s, const std::vector<std::string>& deployments) {
    json::Writer w;
    w.begin_object();
    write_subscription_fields(w, s, deployments);
    return w.end_object().take();
}

void write_subscription_fields(json::Writer& w, const Subscription& s,
                               const std::vector<std::string>& deployments) {
    w.field("id", s.id).field("status", s.status);
    w.field("publisherId", s.publisher_id).field("eventType", s.event_type);
    w.field("resourceVersion", s.resource_version);
    w.field("filter", canonical_filter(s.publisher_inputs)).field("marker", marker_of(s));
    w.field("url", s.consumer_inputs.contains("url") ? s.consumer_inputs.at("url") : "");
    w.field("probationRetries", s.probation_retries);
    detail::string_map(w.key("publisherInputs"), s.publisher_inputs);
    detail::string_map(w.key("consumerInputs"), public_consumer_inputs(s));
    w.key("deployments").begin_array();
    for (const auto& d : deployments) w.value(d);
    w.end_array();
}

std::string plan_json(const SyncPlan& plan) {
    std::size_t counts[3] = {0, 0, 0};
    for (const auto& item : plan.items) ++counts[static_cast<int>(item.action)];
    json::Writer w;
    w.begin_object().field("create", counts[0]).field("replace", counts[1]);
    w.field("remove", counts[2]).field("unchanged", plan.unchanged);
    w.key("items").begin_array();
    for (const auto& item : plan.items) {
        w.begin_object().field("action", to_string(item.action)).field("reason", item.reason);
        w.field("id", item.subscription.id).field("eventType", item.subscription.event_type);
        w.field("filter", item.filter).key("deployments").begin_array();
        for (const auto& d : item.deployments) w.value(d);
        w.end_array().end_object();
    }
    return w.end_array().end_object().take();
}

Result<std::pair<std::int64_t, std::int64_t>> resolve_release(AzureDevOpsClient& client,
                                                              const config::DeploymentConfig& d) {
    auto definition = client.get_release_definition(d.project, d.release_definition);
    if (!definition) return tl::unexpected(definition.error());
    std::string known;
    for (const auto& [id, name] : definition->environments) {
        if (iequals(name, d.release_environment)) return std::pair{definition->id, id};
        known += (known.empty() ? "" : ", ") + ("\"" + name + "\"");
    }
    return fail(ErrorCode::not_found, "release environment \"" + d.release_environment +
                                          "\" not found in release definition \"" +
                                          d.release_definition + "\" (it has " +
                                          (known.empty() ? std::string("none") : known) + ")");
}

}  // namespace shiplog::azure
