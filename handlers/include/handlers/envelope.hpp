#pragma once
// The service-hook envelope every Azure DevOps event shares. Strict where it
// matters (a JSON object with string "id" and "eventType"), liberal elsewhere
// (missing subscriptionId/notificationId, any publisherId, extra fields).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog::handlers {

struct Envelope {
    std::string id;          // event id; the same event delivered to several subscriptions shares it
    std::string event_type;  // "git.push", "build.complete", ...
    std::string publisher_id;      // "tfs", "pipelines", "rm", ... (empty when absent)
    std::string resource_version;  // "1.0", ... (empty when absent)
    std::optional<Timestamp> created_date;
    std::string subscription_id;   // empty when absent
    std::optional<std::int64_t> notification_id;
};

// Parses the envelope of a service-hook body. Errors (ErrorCode::invalid_argument)
// say what is wrong: "body is not valid JSON", "body is not a JSON object",
// "missing string field \"id\"", ...
Result<Envelope> parse_envelope(std::string_view body);

}  // namespace shiplog::handlers
