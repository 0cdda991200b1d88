#include <algorithm>
#include <map>

#include "codec.hpp"
#include "common/time_format.hpp"
#include "external_incidents.hpp"
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
    std::string out = "[";
    for (std::size_t i = 0; i < incidents.size(); ++i) {
        const auto& v = incidents[i].incident;
        if (i) out += ",";
        out += "{\"id\":";
        append_json_string(out, v.id);
        out += ",\"source\":";
        append_json_string(out, v.source);
        out += ",\"title\":";
        if (v.title.empty())
            out += "null";
        else
            append_json_string(out, v.title);
        out += ",\"url\":";
        if (v.url.empty())
            out += "null";
        else
            append_json_string(out, v.url);
        out += ",\"opened_at\":";
        append_json_string(out, format_rfc3339(v.created_at));
        out += ",\"restored_at\":";
        if (v.restored_at)
            append_json_string(out, format_rfc3339(*v.restored_at));
        else
            out += "null";
        out += ",\"blamed_deploys\":[";
        for (std::size_t k = 0; k < incidents[i].blamed_deploys.size(); ++k) {
            if (k) out += ",";
            append_json_string(out, incidents[i].blamed_deploys[k]);
        }
        out += "]}";
    }
    out += "]";
    return out;
}

}  // namespace shiplog::tracking
