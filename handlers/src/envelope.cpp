#include "handlers/envelope.hpp"

#include "common/time_format.hpp"
#include "json.hpp"

namespace shiplog::handlers {
namespace {

static_assert(k_json_padding == simdjson::SIMDJSON_PADDING, "k_json_padding must match simdjson");

tl::unexpected<Error> invalid(std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message));
}

// How a top-level value was read. On-Demand values can be read only once,
// so a value is validated only if no reader consumed it.
enum class Read { consumed, untouched, invalid };

// Reads a string value; leaves any other type untouched.
Read read_string(detail::od::value& value, std::optional<std::string>& out) {
    detail::od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return Read::invalid;
    if (type != detail::od::json_type::string) return Read::untouched;
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return Read::invalid;
    out = std::string(s);
    return Read::consumed;
}

// Reads a number that fits int64, or a string of digits.
Read read_int(detail::od::value& value, std::optional<std::int64_t>& out) {
    detail::od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return Read::invalid;
    if (type == detail::od::json_type::number) {
        std::int64_t n = 0;
        // get_int64 does not advance on failure (e.g. 1.5): validated later.
        if (value.get_int64().get(n) != simdjson::SUCCESS) return Read::untouched;
        out = n;
        return Read::consumed;
    }
    std::optional<std::string> s;
    Read read = read_string(value, s);
    if (read != Read::consumed) return read;
    if (s->empty() || s->size() > 18) return read;
    std::int64_t n = 0;
    for (char c : *s) {
        if (c < '0' || c > '9') return read;
        n = n * 10 + (c - '0');
    }
    out = n;
    return read;
}

// Reads the envelope fields in one ordered pass over the top-level object,
// validating every other value on the way, so that "is this JSON" is
// answered for the whole body and not only for the fields we read. The
// first occurrence of a duplicated key wins.
Result<Envelope> parse(detail::Document document) {
    auto root = document.root();
    if (!root) return tl::unexpected(root.error());
    Envelope envelope;
    bool have_id = false, have_type = false, have_pub = false, have_version = false,
         have_created = false, have_subscription = false, have_notification = false;
    for (auto field : *root) {
        std::string_view key;
        detail::od::value value;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
            field.value().get(value) != simdjson::SUCCESS)
            return invalid("body is not valid JSON");
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
            read = read_string(value, text);
            if (text) {
                if (auto t = parse_rfc3339(*text)) envelope.created_date = *t;
            }
        } else if (key == "subscriptionId" && first(have_subscription)) {
            read = read_string(value, text);
            if (text) envelope.subscription_id = std::move(*text);
        } else if (key == "notificationId" && first(have_notification)) {
            read = read_int(value, envelope.notification_id);
        }
        if (read == Read::invalid) return invalid("body is not valid JSON");
        // After full validation a value needs no second look: skipping it
        // (On-Demand does that when the loop moves on) gives the same answer.
        if (read == Read::untouched && !document.fully_validated() &&
            !detail::validate_value(value))
            return invalid("body is not valid JSON");
        if (!detail::document_alive()) return invalid("body is not valid JSON");
    }
    // Anything after the top-level object is an error, not a second event.
    if (document.doc().current_location().error() != simdjson::OUT_OF_BOUNDS)
        return invalid("body is not valid JSON: content after the top-level object");
    if (!have_id) return invalid("missing string field \"id\"");
    if (!have_type) return invalid("missing string field \"eventType\"");
    if (envelope.id.empty()) return invalid("empty string field \"id\"");
    if (envelope.event_type.empty()) return invalid("empty string field \"eventType\"");
    return envelope;
}

}  // namespace

Result<Envelope> parse_envelope(std::string_view body) {
    auto document = detail::Document::parse(body);
    if (!document) return tl::unexpected(document.error());
    return parse(*document);
}

Result<Envelope> parse_envelope_padded(std::string_view body, std::size_t capacity) {
    auto document = detail::Document::parse_padded(body, capacity);
    if (!document) return tl::unexpected(document.error());
    return parse(*document);
}

bool is_test_delivery(const Envelope& envelope) {
    return envelope.subscription_id == k_test_subscription_id;
}

}  // namespace shiplog::handlers
