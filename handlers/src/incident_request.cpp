#include "handlers/incident_request.hpp"

#include "json.hpp"

namespace shiplog::handlers {

using namespace detail;

namespace {

bool has_control(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

tl::unexpected<Error> invalid(std::string message) {
    return tl::unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
}

}  // namespace

const char* to_string(ImpactType type) {
    switch (type) {
        case ImpactType::triggered:
            return "triggered";
        case ImpactType::resolved:
            return "resolved";
        case ImpactType::reopened:
            return "reopened";
    }
    return "unknown";
}

std::optional<ImpactType> impact_type_from(std::string_view text) {
    for (auto type : {ImpactType::triggered, ImpactType::resolved, ImpactType::reopened})
        if (text == to_string(type)) return type;
    return std::nullopt;
}

Result<ImpactRequest> parse_register_impact_request(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto root, parse_root(body));
    ImpactRequest request;
    {
        SHIPLOG_TRY_ASSIGN(auto type_text, required_string(root, "", "type"));
        auto type = impact_type_from(type_text);
        if (!type)
            return rejected("", "type", type_text, "is not one of triggered, resolved, reopened");
        request.type = *type;
    }
    {
        // Sleuth's clients send the id as a string; a number is taken as written.
        std::optional<std::string> id = optional_string(root, "id");
        if (!id)
            if (auto number = optional_int(root, "id")) id = std::to_string(*number);
        if (!id || id->empty()) return invalid("id: missing string");
        if (id->size() > k_max_external_id_bytes)
            return invalid("id: longer than " + std::to_string(k_max_external_id_bytes) + " bytes");
        if (has_control(*id)) return invalid("id: contains a control character");
        request.id = std::move(*id);
    }
    SHIPLOG_TRY_ASSIGN(request.date, checked_optional_time(root, "", "date"));
    request.url = optional_string(root, "url").value_or("");
    request.title = optional_string(root, "title").value_or("");
    return request;
}

Result<MonitorAlert> parse_azure_monitor_alert(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto root, parse_root(body));
    auto schema = optional_string(root, "schemaId");
    if (!schema || *schema != "azureMonitorCommonAlertSchema")
        return invalid(
            "schemaId: not azureMonitorCommonAlertSchema (enable the common alert schema on the "
            "action group's webhook)");
    SHIPLOG_TRY_ASSIGN(auto data, required_object(root, "", "data"));
    SHIPLOG_TRY_ASSIGN(auto essentials, required_object(data, "data", "essentials"));
    constexpr std::string_view path = "data.essentials";
    MonitorAlert alert;
    {
        SHIPLOG_TRY_ASSIGN(auto alert_id, required_name(essentials, path, "alertId"));
        const auto slash = alert_id.find_last_of('/');
        std::string last = slash == std::string::npos ? alert_id : alert_id.substr(slash + 1);
        if (last.empty() || last.size() > k_max_external_id_bytes || has_control(last))
            return invalid("data.essentials.alertId: no usable last segment");
        alert.alert_id = std::move(last);
    }
    alert.rule = optional_string(essentials, "alertRule").value_or("");
    alert.severity = optional_string(essentials, "severity").value_or("");
    SHIPLOG_TRY_ASSIGN(auto condition, required_string(essentials, path, "monitorCondition"));
    if (condition == "Resolved")
        alert.resolved = true;
    else if (condition != "Fired")
        return rejected(path, "monitorCondition", condition, "is not Fired or Resolved");
    SHIPLOG_TRY_ASSIGN(auto fired_at, required_time(essentials, path, "firedDateTime"));
    alert.fired_at = fired_at;
    if (alert.resolved) {
        SHIPLOG_TRY_ASSIGN(auto resolved_at, required_time(essentials, path, "resolvedDateTime"));
        alert.resolved_at = resolved_at;
    }
    return alert;
}

}  // namespace shiplog::handlers
