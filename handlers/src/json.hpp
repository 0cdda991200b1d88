#pragma once
// Private helpers over simdjson's DOM for the handlers' parsers. Not a
// public header: simdjson.h stays out of handlers/include.
//
// A Document (and every element, object, array and string_view taken from
// it) lives in the parser that made it: a caller's JsonParser
// (json_parser.hpp), or, for the standalone parse_*_event(body) functions,
// a parser kept per thread for its memory only (every call parses).
//
// One pass per body: simdjson's DOM parser validates the whole body (balance,
// every token, trailing content) while it builds the tape, and the parsers
// then read their fields from that tape. The tape is random access, so
// lookups may come in any order and a skipped value costs one jump.
// (Before, the DOM parse only validated, because simdjson 3.0.1 On-Demand can
// read out of bounds on malformed input, and On-Demand then indexed and
// walked the same bytes a second time.)

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/ascii.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "handlers/git_repository.hpp"
#include "handlers/json_parser.hpp"

namespace shiplog::handlers::detail {

namespace dom = simdjson::dom;

// What a JsonParser holds: simdjson's parsers, the copy buffer for bodies
// without padding, and the current parse.
struct ParserState {
    ParserState();
    dom::parser shallow;  // parses bodies up to k_shallow_depth deep
    bool shallow_ok = true;
    dom::parser deep;    // simdjson's default depth: only for deeper bodies
    std::string buffer;  // grows to the largest unpadded body seen
    dom::element root;   // the current parse
    bool fully_validated = false;
    std::uint64_t generation = 0;  // counts parses and releases: stale ParsedBody check
    void release(std::size_t keep_bytes);
};

// A parsed body's top-level value.
class Document {
  public:
    // Parses `body` on this thread's own parser (memory reused, nothing
    // else): valid until this thread's next Document::parse. Errors name
    // what is wrong with the body as a whole ("body is not valid JSON").
    static Result<Document> parse(std::string_view body);

    // The parse a JsonParser made; an error when the parser has parsed again
    // since (a programming error, reported rather than read).
    static Result<Document> of(const ParsedBody& body);

    // Parses into `state`; in place when `capacity - body.size() >=
    // SIMDJSON_PADDING`, else from a copy in state.buffer.
    static Result<Document> parse_into(ParserState& state, std::string_view body,
                                       std::size_t capacity);

    // The top-level object.
    Result<dom::object> root() const;

    // False for the rare body nested deeper than validate_value allows
    // (k_max_depth); only then must a reader check the values it skips.
    bool fully_validated() const { return m_fully_validated; }

  private:
    Document(dom::element root, bool fully_validated)
        : m_root(root), m_fully_validated(fully_validated) {}
    dom::element m_root;
    bool m_fully_validated;
};

// What each standalone parse_*_event(body) does: parse on this thread's
// parser, then read the event from that parse.
template <class Event>
Result<Event> parse_with(std::string_view body, Result<Event> (*read)(const Document&)) {
    SHIPLOG_TRY_ASSIGN(auto document, Document::parse(body));
    return read(document);
}

// Document::parse(body).root() in one step (the root stays valid until
// this thread's next parse).
Result<dom::object> parse_root(std::string_view body);
// The "resource" object of a parsed service-hook event body.
Result<dom::object> resource_of(const Document& document);

// "resource" + "." + "repository", or "resource.refUpdates" + "[3]".
std::string join(std::string_view path, std::string_view key);
std::string index(std::string_view path, std::size_t i);

// Each required_* returns invalid_argument naming "<path>.<key>: missing X"
// when the key is absent or null, or "<path>.<key>: not X" when it has
// another type. Each optional_* returns nullopt for absent, null or a value
// of another type (liberal: a field we merely like to have never rejects a
// payload). With a duplicated key, the first occurrence counts.
Result<dom::object> required_object(const dom::object& obj, std::string_view path,
                                    std::string_view key);
std::optional<dom::object> optional_object(const dom::object& obj, std::string_view key);

Result<dom::array> required_array(const dom::object& obj, std::string_view path,
                                  std::string_view key);
std::optional<dom::array> optional_array(const dom::object& obj, std::string_view key);

Result<std::string> required_string(const dom::object& obj, std::string_view path,
                                    std::string_view key);
std::optional<std::string> optional_string(const dom::object& obj, std::string_view key);
// The same without a copy: valid as long as the Document (see above).
std::optional<std::string_view> optional_string_view(const dom::object& obj, std::string_view key);
// A required string that must not be empty.
Result<std::string> required_name(const dom::object& obj, std::string_view path,
                                  std::string_view key);

// An object under `key` with a required "id" and a non-empty "name" (a
// repository, a project, a definition, an environment); the object is
// checked first, then the id, then the name.
template <class Id>
struct IdAndName {
    dom::object object;
    Id id{};
    std::string name;
};
Result<IdAndName<std::string>> required_named(const dom::object& obj, std::string_view path,
                                              std::string_view key);
Result<IdAndName<std::int64_t>> required_numbered(const dom::object& obj, std::string_view path,
                                                  std::string_view key);

// The run a run or stage event belongs to: resource.run {id, name} and its
// pipeline, resource.pipeline {id, name}, or in older payloads only the one
// nested in resource.run (its id may be absent); an error when there is
// neither.
struct RunRef {
    dom::object object;  // resource.run, for the fields only one event reads
    std::int64_t id = 0;
    std::string name;  // empty when absent
    std::int64_t pipeline_id = 0;
    std::string pipeline_name;
};
Result<RunRef> required_run(const dom::object& resource);

// <path>.repository of the git events (push, pull request) and its project.
Result<GitRepositoryRef> required_git_repository(const dom::object& resource,
                                                 std::string_view path = "resource");

// The values of `keys` in `obj`, found in one pass over its fields: what a
// lookup of each key would give (the first occurrence; null reads as
// absent), cheaper for an object whose fields are read nearly all, such as
// each of a push's commits.
template <std::size_t N>
std::array<std::optional<dom::element>, N> fields_of(const dom::object& obj,
                                                     const std::array<std::string_view, N>& keys) {
    std::array<std::optional<dom::element>, N> out;
    std::array<bool, N> seen{};
    std::size_t left = N;
    for (auto field : obj) {
        for (std::size_t k = 0; k < N; ++k) {
            if (seen[k] || field.key != keys[k]) continue;
            seen[k] = true;
            if (!field.value.is_null()) out[k] = field.value;
            --left;
            break;
        }
        if (left == 0) break;
    }
    return out;
}

// A value found by fields_of, read as that type; nullopt when absent or of
// another type.
std::optional<std::string_view> string_value(const std::optional<dom::element>& value);
std::optional<dom::object> object_value(const std::optional<dom::element>& value);
std::optional<bool> bool_value(const std::optional<dom::element>& value);

// Integers may arrive as JSON numbers or as strings of digits (some
// Azure DevOps payloads quote ids).
Result<std::int64_t> required_int(const dom::object& obj, std::string_view path,
                                  std::string_view key);
std::optional<std::int64_t> optional_int(const dom::object& obj, std::string_view key);

std::optional<bool> optional_bool(const dom::object& obj, std::string_view key);

// RFC 3339 time strings as Azure DevOps sends them (7-digit fractions, "Z").
Result<Timestamp> required_time(const dom::object& obj, std::string_view path,
                                std::string_view key);
std::optional<Timestamp> optional_time(const dom::object& obj, std::string_view key);
// For requests a user writes: an absent (or non-string) time is nullopt, but
// a string that is not RFC 3339 is an error naming the key ("date: ...").
Result<std::optional<Timestamp>> checked_optional_time(const dom::object& obj,
                                                       std::string_view path, std::string_view key);

// invalid_argument for a value not among those a field allows:
// `status: "meh" is not one of succeeded, failed`.
tl::unexpected<Error> rejected(std::string_view path, std::string_view key, std::string_view value,
                               std::string_view why);

// A 40-hex Git object id, returned in lower case.
Result<std::string> required_sha(const dom::object& obj, std::string_view path,
                                 std::string_view key);
// Validates and lower-cases a sha; nullopt when it is not 40 hex digits.
std::optional<std::string> normalize_sha(std::string_view text);

// An identity that may be a string ("Jamal Hartnett <jamal@example.com>") or
// an object {displayName, uniqueName, ...}: objects become
// "displayName <uniqueName>", or whichever of the two is present.
std::optional<std::string> optional_identity(const dom::object& obj, std::string_view key);
// A value already looked up (e.g. a changed field's newValue).
std::optional<std::string> identity_value(dom::element value);

// A string or number value rendered as text (work item fields hold both).
// Integers print as written; other numbers in simdjson's shortest form.
std::optional<std::string> scalar_text(dom::element value);

// False when the value nests deeper than k_max_depth (256) containers; the
// DOM parse has validated everything else. Only needed when the Document is
// not fully_validated().
bool validate_value(dom::element value, int depth = 0);

using ascii::iequals;

}  // namespace shiplog::handlers::detail
