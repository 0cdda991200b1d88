#pragma once
// Private helpers over simdjson On-Demand for the handlers' parsers. Not a
// public header: simdjson.h stays out of handlers/include.
//
// Threading: every function here uses a thread_local parser and padded
// buffer, so any thread may call them, but a Document is only valid on the
// thread that made it and until that thread's next call to Document::parse.
//
// On-Demand is forward-only: a parent object may be searched again for
// another key (find_field_unordered skips the unfinished child), but an
// object must not be used once its parent moved on. The parsers read each
// sub-object completely before looking up the next key of its parent.
//
// Document::parse first validates the whole body with simdjson's DOM parser:
// On-Demand alone trusts brackets to balance and can read out of bounds on
// malformed input. Both parsers' buffers are reused per thread and grow to the
// largest body seen (bounded by server.max_body_bytes). Parsing the same
// body (same address, same bytes) again on the same thread rewinds the
// previous document instead of validating and indexing it again.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/clock.hpp"
#include "common/error.hpp"

// Binds `var` to the value of a Result expression, or returns its error.
#define SHIPLOG_TRY(var, expr)                                      \
    auto var##_result = (expr);                                     \
    if (!var##_result) return tl::unexpected(var##_result.error()); \
    auto var = std::move(*var##_result)

namespace shiplog::handlers::detail {

namespace od = simdjson::ondemand;

// A document parsed from a thread-local padded copy of the body. The copy is
// needed because simdjson reads up to SIMDJSON_PADDING bytes past the end.
class Document {
  public:
    // Starts parsing `body`. Errors name what is wrong with the body as a
    // whole ("body is not valid JSON", "body is not a JSON object").
    static Result<Document> parse(std::string_view body);

    // Same, for a caller that guarantees `capacity - body.size() >=
    // SIMDJSON_PADDING` readable bytes after the body: no copy is made.
    static Result<Document> parse_padded(std::string_view body, std::size_t capacity);

    // The top-level object. Call once.
    Result<od::object> root();

    od::document& doc() { return *m_doc; }

    // True when validation already proved every value of the body valid and
    // within validate_value's depth limit, so a reader may skip values
    // instead of validating them (the result would be the same).
    bool fully_validated() const { return m_fully_validated; }

  private:
    Document(od::document* doc, bool fully_validated)
        : m_doc(doc), m_fully_validated(fully_validated) {}
    od::document* m_doc;
    bool m_fully_validated;
};

// False once simdjson hit an unrecoverable error in this thread's current
// document (e.g. an unclosed array found while skipping). Every later
// access would be undefined behaviour, so readers stop, and a typed parser
// that sees this at the end fails with "body is not valid JSON".
bool document_alive();

// `value` if the document is still alive, else "body is not valid JSON".
template <class T>
Result<T> finish(T value) {
    if (!document_alive()) return fail(ErrorCode::invalid_argument, "body is not valid JSON");
    return value;
}

// "resource" + "." + "repository", or "resource.refUpdates" + "[3]".
std::string join(std::string_view path, std::string_view key);
std::string index(std::string_view path, std::size_t i);

// Each required_* returns invalid_argument naming "<path>.<key>: missing X"
// when the key is absent or null, or "<path>.<key>: not X" when it has
// another type. Each optional_* returns nullopt for absent, null or a value
// of another type (liberal: a field we merely like to have never rejects a
// payload).
Result<od::object> required_object(od::object& obj, std::string_view path, std::string_view key);
std::optional<od::object> optional_object(od::object& obj, std::string_view key);

Result<od::array> required_array(od::object& obj, std::string_view path, std::string_view key);
std::optional<od::array> optional_array(od::object& obj, std::string_view key);

Result<std::string> required_string(od::object& obj, std::string_view path, std::string_view key);
std::optional<std::string> optional_string(od::object& obj, std::string_view key);
// A required string that must not be empty.
Result<std::string> required_name(od::object& obj, std::string_view path, std::string_view key);

// Integers may arrive as JSON numbers or as strings of digits (some
// Azure DevOps payloads quote ids).
Result<std::int64_t> required_int(od::object& obj, std::string_view path, std::string_view key);
std::optional<std::int64_t> optional_int(od::object& obj, std::string_view key);

std::optional<bool> optional_bool(od::object& obj, std::string_view key);

// RFC 3339 time strings as Azure DevOps sends them (7-digit fractions, "Z").
Result<Timestamp> required_time(od::object& obj, std::string_view path, std::string_view key);
std::optional<Timestamp> optional_time(od::object& obj, std::string_view key);

// A 40-hex Git object id, returned in lower case.
Result<std::string> required_sha(od::object& obj, std::string_view path, std::string_view key);
// Validates and lower-cases a sha; nullopt when it is not 40 hex digits.
std::optional<std::string> normalize_sha(std::string_view text);

// An identity that may be a string ("Jamal Hartnett <jamal@example.com>") or
// an object {displayName, uniqueName, ...}: objects become
// "displayName <uniqueName>", or whichever of the two is present.
std::optional<std::string> optional_identity(od::object& obj, std::string_view key);
// A value already looked up (e.g. a changed field's newValue).
std::optional<std::string> identity_value(od::value value);

// A string or number value rendered as text (work item fields hold both).
std::optional<std::string> scalar_text(od::value value);

// Walks the whole value, checking every token is valid JSON. On-Demand
// only validates what is read; this reads everything.
bool validate_value(od::value value, int depth = 0);

bool iequals(std::string_view a, std::string_view b);

}  // namespace shiplog::handlers::detail
