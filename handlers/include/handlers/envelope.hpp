#pragma once
// The service-hook envelope every Azure DevOps event shares. Strict where it
// matters (one JSON object with non-empty string "id" and "eventType"),
// liberal elsewhere (missing subscriptionId/notificationId, any publisherId,
// extra fields, an unparseable createdDate).
//
// Threading: all functions may be called from any thread; parse_envelope
// of a ParsedBody reads the caller's parser (json_parser.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/event_kind.hpp"
#include "handlers/json_parser.hpp"

namespace shiplog::handlers {

struct Envelope {
    std::string id;  // event id; the same event delivered to several subscriptions shares it
    std::string event_type;                 // "git.push", "build.complete", ...
    EventKind kind = EventKind::unknown;    // event_type looked up once, by the parse
    std::string publisher_id;               // "tfs", "pipelines", "rm", ... (empty when absent)
    std::string resource_version;           // "1.0", ... (empty when absent)
    std::optional<Timestamp> created_date;  // nullopt when absent or not RFC 3339
    std::string subscription_id;            // empty when absent
    std::optional<std::int64_t> notification_id;  // a number or a string of digits
};

// Parses the envelope of a service-hook body and validates that the whole
// body is exactly one well-formed JSON value. Errors (ErrorCode::invalid_argument)
// say what is wrong: "body is not valid JSON", "body is not a JSON object",
// "missing string field \"id\"", "empty string field \"eventType\"", ...
Result<Envelope> parse_envelope(std::string_view body);

// The same for a body already parsed (the webhook path: the envelope and
// then classify_event read one parse).
Result<Envelope> parse_envelope(const ParsedBody& body);

// The all-zero subscription id Azure DevOps puts on "Test" deliveries from
// its UI; such deliveries carry documentation sample data.
inline constexpr std::string_view k_test_subscription_id = "00000000-0000-0000-0000-000000000000";

// True for a "Test" delivery (subscriptionId all zeros).
bool is_test_delivery(const Envelope& envelope);

}  // namespace shiplog::handlers
