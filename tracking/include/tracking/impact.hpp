#pragma once
// Incidents from an [[incident_source]] as journal entries. The daemon
// journals make_impact_record() under k_impact_event_type for every
// register_impact call and every Azure Monitor alert; the projector keeps
// each as a fact of its incident (tr_impacts) and derives the incident from
// the facts in time order, so arrival order does not matter.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "handlers/incident_request.hpp"

namespace shiplog::tracking {

inline constexpr std::string_view k_impact_event_type = "shiplog.incident_impact";

struct ImpactRecord {
    std::string source;  // the [[incident_source]] name
    config::IncidentSourceKind kind = config::IncidentSourceKind::api;
    handlers::ImpactType type = handlers::ImpactType::triggered;
    std::string external_id;  // register_impact's id; the alert id's last segment
    Timestamp date{};         // when the transition happened
    // A Resolved alert also says when it fired: the incident opens then even
    // if the Fired delivery never arrived.
    std::optional<Timestamp> opened_at;
    std::string url;
    std::string title;

    friend bool operator==(const ImpactRecord&, const ImpactRecord&) = default;
};

// {"source","kind","type","id","date","opened_at","url","title","original"}:
// times with nanoseconds (parse gives back `record` exactly); `original` is
// the request body as received (JSON), kept for the record, or null.
std::string make_impact_record(const ImpactRecord& record, std::string_view original_json = {});
Result<ImpactRecord> parse_impact_record(std::string_view raw);

// "api:<source>:" or "monitor:<source>:" — what a source's incident ids start with.
std::string incident_id_prefix(config::IncidentSourceKind kind, std::string_view source);
// The incident's id: the prefix plus the external id.
std::string incident_id(const ImpactRecord& record);

}  // namespace shiplog::tracking
