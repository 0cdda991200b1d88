#pragma once
// The service-hook envelope every Azure DevOps event shares. Strict where it
// matters (one JSON object with non-empty string "id" and "eventType"),
// liberal elsewhere (missing subscriptionId/notificationId, any publisherId,
// extra fields, an unparseable createdDate).
//
// Threading: all functions are pure and may be called from any thread; they
// use a thread_local parser and scratch buffer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/event_kind.hpp"

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
    // Which parse on this thread read the envelope (0: built by hand), so
    // classify_event on the same, unchanged body reuses that parse.
    std::uint64_t parse_id = 0;
};

// Bytes a caller-owned buffer must have readable after the body for
// parse_envelope_padded to skip its copy (simdjson's SIMDJSON_PADDING).
inline constexpr std::size_t k_json_padding = 64;

// Parses the envelope of a service-hook body and validates that the whole
// body is exactly one well-formed JSON value. Errors (ErrorCode::invalid_argument)
// say what is wrong: "body is not valid JSON", "body is not a JSON object",
// "missing string field \"id\"", "empty string field \"eventType\"", ...
Result<Envelope> parse_envelope(std::string_view body);

// Same, without copying: the caller promises that `capacity` bytes starting
// at body.data() are readable, with capacity >= body.size() + k_json_padding
// (e.g. a std::string reserved that much). Falls back to copying otherwise.
Result<Envelope> parse_envelope_padded(std::string_view body, std::size_t capacity);

// The all-zero subscription id Azure DevOps puts on "Test" deliveries from
// its UI; such deliveries carry documentation sample data.
inline constexpr std::string_view k_test_subscription_id = "00000000-0000-0000-0000-000000000000";

// True for a "Test" delivery (subscriptionId all zeros).
bool is_test_delivery(const Envelope& envelope);

// After a large body: gives back this thread's parse memory beyond 1 MiB
// (the parsers keep several times the largest body they saw), so memory per
// thread stays bounded whatever one request sent. Envelopes and typed
// events already extracted are plain values and stay valid.
void release_parse_memory();

}  // namespace shiplog::handlers
