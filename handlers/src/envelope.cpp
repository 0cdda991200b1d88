#include "handlers/envelope.hpp"

#include "common/time_format.hpp"
#include "json.hpp"

namespace shiplog::handlers {
namespace {

static_assert(k_json_padding == simdjson::SIMDJSON_PADDING, "k_json_padding must match simdjson");

tl::unexpected<Error> invalid(std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message));
}

// How a top-level value was read: consumed (of the expected type), or
// untouched (another type; the caller decides whether that is an error).
enum class Read { consumed, untouched };

// Reads a string value; leaves any other type untouched.
Read read_string(detail::dom::element value, std::optional<std::string>& out) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return Read::untouched;
    out = std::string(s);
    return Read::consumed;
}

// Reads a number that fits int64, or a string of digits.
Read read_int(detail::dom::element value, std::optional<std::int64_t>& out) {
    std::int64_t n = 0;
    if (value.type() == detail::dom::element_type::INT64) {
        out = value.get_int64().value_unsafe();
        return Read::consumed;
    }
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return Read::untouched;
    if (s.empty() || s.size() > 18) return Read::consumed;
    for (char c : s) {
        if (c < '0' || c > '9') return Read::consumed;
        n = n * 10 + (c - '0');
    }
    out = n;
    return Read::consumed;
}

// Reads the envelope fields in one ordered pass over the top-level object.
// "Is this JSON" is answered for the whole body, not only for the fields we
// read: the parse validated every value. The first occurrence of a
// duplicated key wins.
Result<Envelope> parse(detail::Document document) {
    auto root = document.root();
    if (!root) return tl::unexpected(root.error());
    Envelope envelope;
    bool have_id = false, have_type = false, have_pub = false, have_version = false,
         have_created = false, have_subscription = false, have_notification = false;
    for (auto field : *root) {
        std::string_view key = field.key;
        detail::dom::element value = field.value;
        auto first = [&](bool& seen) {
            bool was_first = !seen;
            seen = true;
            return was_first;
        };
        Read read = Read::untouched;
        std::optional<std::string> text;
        if (key == "id" && first(have_id)) {
            read = read_string(value, text);
            if (read == Read::untouched) return invalid("field \"id\" is not a string");
            if (text) envelope.id = std::move(*text);
        } else if (key == "eventType" && first(have_type)) {
            read = read_string(value, text);
            if (read == Read::untouched) return invalid("field \"eventType\" is not a string");
            if (text) envelope.event_type = std::move(*text);
        } else if (key == "publisherId" && first(have_pub)) {
            read = read_string(value, text);
            if (text) envelope.publisher_id = std::move(*text);
        } else if (key == "resourceVersion" && first(have_version)) {
            read = read_string(value, text);
            if (text) envelope.resource_version = std::move(*text);
        } else if (key == "createdDate" && first(have_created)) {
            std::string_view s;
            if (value.get_string().get(s) == simdjson::SUCCESS) {
                read = Read::consumed;
                if (auto t = parse_rfc3339(s)) envelope.created_date = *t;
            }
        } else if (key == "subscriptionId" && first(have_subscription)) {
            read = read_string(value, text);
            if (text) envelope.subscription_id = std::move(*text);
        } else if (key == "notificationId" && first(have_notification)) {
            read = read_int(value, envelope.notification_id);
        }
        // The parse validated every value (and rejected anything after the
        // top-level object); only a body deeper than the limit that
        // validate_value sets needs a look at what we skip.
        if (read == Read::untouched && !document.fully_validated() &&
            !detail::validate_value(value))
            return invalid("body is not valid JSON");
    }
    if (!have_id) return invalid("missing string field \"id\"");
    if (!have_type) return invalid("missing string field \"eventType\"");
    if (envelope.id.empty()) return invalid("empty string field \"id\"");
    if (envelope.event_type.empty()) return invalid("empty string field \"eventType\"");
    envelope.kind = event_kind_of(envelope.event_type);
    return envelope;
}

}  // namespace

Result<Envelope> parse_envelope(std::string_view body) {
    auto document = detail::Document::parse(body);
    if (!document) return tl::unexpected(document.error());
    return parse(*document);
}

Result<Envelope> parse_envelope(const ParsedBody& body) {
    auto document = detail::Document::of(body);
    if (!document) return tl::unexpected(document.error());
    return parse(*document);
}

bool is_test_delivery(const Envelope& envelope) {
    return envelope.subscription_id == k_test_subscription_id;
}

}  // namespace shiplog::handlers
