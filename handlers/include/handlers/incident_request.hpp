#pragma once
// Incidents from outside Azure Boards, as they arrive over HTTP
// (docs/reference/http-api.md): the Sleuth-compatible register_impact body
// and an Azure Monitor alert in the common alert schema.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog::handlers {

enum class ImpactType { triggered, resolved, reopened };
const char* to_string(ImpactType type);  // "triggered", "resolved", "reopened"
std::optional<ImpactType> impact_type_from(std::string_view text);

// Longest external id accepted: ids become part of LMDB keys.
inline constexpr std::size_t k_max_external_id_bytes = 200;

// {"type": "triggered"|"resolved"|"reopened", "id": "...", "date": "RFC 3339",
//  "url": "...", "title": "..."}: `type` and `id` required (non-empty id of at
// most k_max_external_id_bytes bytes, no control characters). Errors
// (invalid_argument) name the field.
struct ImpactRequest {
    ImpactType type = ImpactType::triggered;
    std::string id;
    std::optional<Timestamp> date;  // absent: now
    std::string url;
    std::string title;
};
Result<ImpactRequest> parse_register_impact_request(std::string_view body);

// The fields shiplog reads from an alert with schemaId
// "azureMonitorCommonAlertSchema": data.essentials' alertId (its last path
// segment), alertRule, monitorCondition (Fired / Resolved), firedDateTime
// and, when resolved, resolvedDateTime. Another schema, a missing field or
// another monitorCondition is invalid_argument naming it.
struct MonitorAlert {
    std::string alert_id;  // last segment of essentials.alertId
    std::string rule;      // essentials.alertRule
    std::string severity;  // essentials.severity ("Sev3"), may be empty
    bool resolved = false;
    Timestamp fired_at{};
    std::optional<Timestamp> resolved_at;  // set when resolved
};
Result<MonitorAlert> parse_azure_monitor_alert(std::string_view body);

}  // namespace shiplog::handlers
