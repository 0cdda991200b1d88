#include "notify_events.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "index/deploy_index.hpp"
#include "projection/recompute.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"
#include "tracking/deploy.hpp"
#include "tracking/incident.hpp"

namespace shiplog::tracking::detail {

namespace {

constexpr auto k_max_age = std::chrono::hours(24);

struct Fact {
    std::string event;
    std::string id;  // deploy or incident id
    Timestamp occurred_at{};
    std::vector<std::string> deployments;  // the deployments it concerns (filters)
    std::string deployment;                // shown in the message
    std::string environment;
    std::string subject;  // the deploy or incident JSON object
    std::string summary;
    std::string link;
};

bool anyone_wants(const config::Config& config, std::string_view event) {
    return std::any_of(config.notify.begin(), config.notify.end(),
                       [&](const config::NotifyConfig& n) { return n.wants(event); });
}

bool too_old(Timestamp occurred_at, const storage::JournalEntry& entry) {
    return entry.received_at - occurred_at > k_max_age;
}

Status queue(lmdb::txn& txn, const storage::Outbox& outbox, const config::Config& config,
             const storage::JournalEntry& entry, const Fact& fact) {
    for (const auto& n : config.notify) {
        if (!n.wants(fact.event)) continue;
        const bool deployment_ok =
            std::any_of(fact.deployments.begin(), fact.deployments.end(),
                        [&](const std::string& d) { return n.wants_deployment(d); });
        if (!deployment_ok) continue;
        storage::OutboxMessage message;
        message.event_id = fact.event + ":" + fact.id;
        message.target = n.name;
        message.event = fact.event;
        message.occurred_at = fact.occurred_at;
        message.queued_at = entry.received_at;
        message.deployment = fact.deployment;
        message.environment = fact.environment;
        message.subject = fact.subject;
        message.summary = fact.summary;
        message.link = fact.link;
        auto queued = outbox.enqueue(txn, message);
        if (!queued) return tl::unexpected(queued.error());
    }
    return {};
}

// A succeeded deploy of a sha an earlier succeeded deploy had, when the
// deploy just before it had another (recompute's rule).
Result<bool> is_rollback(lmdb::txn& txn, const Tables& t, const DeployView& view) {
    if (view.status != DeployStatus::succeeded || view.sha.empty()) return false;
    const std::string prefix = deploy_prefix(view.deployment, view.environment);
    const std::string at = position(view.deployed_at, view.seq);
    auto before = rows_before(txn, t, prefix, at);
    if (!before) return tl::unexpected(before.error());
    if (!before->previous_sha || *before->previous_sha == view.sha) return false;
    auto earlier = last_position_of_sha(txn, t, prefix, view.sha, at);
    if (!earlier) return tl::unexpected(earlier.error());
    return earlier->has_value();
}

Status queue_deploys(lmdb::txn& txn, const Tables& t, const storage::Outbox& outbox,
                     const config::Config& config, const storage::JournalEntry& entry) {
    if (!anyone_wants(config, "deploy.succeeded") && !anyone_wants(config, "deploy.failed") &&
        !anyone_wants(config, "deploy.rollback"))
        return {};
    for (const auto& d : config.deployments) {
        auto bytes = get(txn, t.deploys, deploy_key(d.name, d.environment, entry.seq));
        if (!bytes) return tl::unexpected(bytes.error());
        if (!*bytes) continue;  // this entry did not create a deploy here
        auto view = decode_deploy(**bytes);
        if (!view) return tl::unexpected(view.error());
        if (too_old(view->deployed_at, entry)) continue;
        Fact fact;
        if (view->status == DeployStatus::failed) {
            fact.event = "deploy.failed";
        } else {
            auto rollback = is_rollback(txn, t, *view);
            if (!rollback) return tl::unexpected(rollback.error());
            fact.event = *rollback ? "deploy.rollback" : "deploy.succeeded";
        }
        fact.id = view->id();
        fact.occurred_at = view->deployed_at;
        fact.deployments = {d.name};
        fact.deployment = d.name;
        fact.environment = d.environment;
        fact.subject = deploy_json(*view);
        fact.summary = view->sha.empty() ? std::string("commit not known yet")
                                         : "commit " + view->sha.substr(0, 8);
        if (!view->commits.empty())
            fact.summary += ", " + std::to_string(view->commits.size()) +
                            (view->commits.size() == 1 ? " change: " : " changes, newest: ") +
                            view->commits.back().summary;
        if (auto s = queue(txn, outbox, config, entry, fact); !s) return s;
    }
    return {};
}

std::string incident_object(const IncidentView& incident) {
    std::string array = incidents_json({IncidentListing{incident, {}}});
    return array.substr(1, array.size() - 2);  // the one object, without [ ]
}

Status queue_incidents(lmdb::txn& txn, const Tables& t, const storage::Outbox& outbox,
                       const config::Config& config, const storage::JournalEntry& entry) {
    if (!anyone_wants(config, "incident.opened")) return {};
    auto incidents = list_all_incidents(txn, t, config);
    if (!incidents) return tl::unexpected(incidents.error());
    for (const auto& incident : *incidents) {
        if (incident.restored_at || too_old(incident.created_at, entry)) continue;
        Fact fact;
        fact.event = "incident.opened";
        fact.id = incident.id;
        fact.occurred_at = incident.created_at;
        if (incident.source == "boards") {
            for (const auto& d : config.deployments)
                if (lower(d.project) == lower(incident.project) &&
                    area_is_under(incident.area_path, d.incident_area_path)) {
                    if (fact.deployments.empty()) {
                        fact.deployment = d.name;
                        fact.environment = d.environment;
                    }
                    fact.deployments.push_back(d.name);
                }
        } else {
            for (const auto& source : config.incident_sources)
                if (source.name == incident.source) {
                    fact.deployment = source.deployment;
                    fact.environment = source.environment;
                    fact.deployments = {source.deployment};
                }
        }
        if (fact.deployments.empty()) continue;
        fact.subject = incident_object(incident);
        fact.summary = incident.title.empty() ? incident.id : incident.title;
        fact.link = incident.url;
        if (auto s = queue(txn, outbox, config, entry, fact); !s) return s;
    }
    return {};
}

}  // namespace

Status queue_notifications(lmdb::txn& txn, const Tables& tables, const storage::Outbox& outbox,
                           const config::Config& config, const storage::JournalEntry& entry,
                           bool may_open_incident) {
    if (config.notify.empty()) return {};
    if (auto s = queue_deploys(txn, tables, outbox, config, entry); !s) return s;
    if (may_open_incident)
        if (auto s = queue_incidents(txn, tables, outbox, config, entry); !s) return s;
    return {};
}

}  // namespace shiplog::tracking::detail
