#include <algorithm>
#include <map>

#include "common/time_format.hpp"
#include "projection/external_incidents.hpp"
#include "records/codec.hpp"
#include "tracking/deploy.hpp"
#include "tracking/incident.hpp"

namespace shiplog::tracking {

using namespace detail;

Result<bool> incident_triggered(lmdb::txn& txn, const Tables& tables, std::string_view id) {
    return impact_known(txn, tables, id);
}

Result<std::vector<IncidentListing>> query_incidents(lmdb::txn& txn, const Tables& tables,
                                                     const config::Config& config,
                                                     const IncidentQuery& query) {
    auto all = list_all_incidents(txn, tables, config);
    if (!all) return tl::unexpected(all.error());
    // Blame lives on the deploys: read the series the query can select.
    std::map<std::string, std::vector<std::string>> blamed;  // incident id -> deploy ids
    std::map<std::string, bool> in_selection;                // blames a selected series
    for (const auto& d : config.deployments) {
        const bool selected = (!query.deployment || *query.deployment == d.name) &&
                              (!query.environment || *query.environment == d.environment);
        auto deploys = deploys_of(txn, tables, d.name, d.environment);
        if (!deploys) return tl::unexpected(deploys.error());
        for (const auto& deploy : *deploys)
            for (const auto& id : deploy.incidents) {
                blamed[id].push_back(deploy.id());
                if (selected) in_selection[id] = true;
            }
    }
    const bool filtered = query.deployment || query.environment;
    auto in_window = [&](Timestamp t) { return t >= query.since && t < query.until; };
    std::vector<IncidentListing> out;
    for (auto& incident : *all) {
        if (filtered && !in_selection[incident.id]) continue;
        if (!in_window(incident.created_at) &&
            !(incident.restored_at && in_window(*incident.restored_at)))
            continue;
        IncidentListing listing;
        if (auto found = blamed.find(incident.id); found != blamed.end())
            listing.blamed_deploys = found->second;
        listing.incident = std::move(incident);
        out.push_back(std::move(listing));
    }
    std::sort(out.begin(), out.end(), [](const IncidentListing& a, const IncidentListing& b) {
        if (a.incident.created_at != b.incident.created_at)
            return a.incident.created_at > b.incident.created_at;
        return a.incident.id < b.incident.id;
    });
    return out;
}

std::string incidents_json(const std::vector<IncidentListing>& incidents) {
    json::Writer w;
    w.begin_array();
    for (const auto& listing : incidents) {
        const auto& v = listing.incident;
        w.begin_object().field("id", v.id).field("source", v.source);
        w.text_or_null("title", v.title);
        w.text_or_null("url", v.url);
        w.field("opened_at", format_rfc3339(v.created_at));
        w.time_field("restored_at", v.restored_at);
        w.key("blamed_deploys").begin_array();
        for (const auto& id : listing.blamed_deploys) w.value(id);
        w.end_array().end_object();
    }
    return w.end_array().take();
}

}  // namespace shiplog::tracking
