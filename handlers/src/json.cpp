#include "json.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cstring>

#include "common/time_format.hpp"

namespace shiplog::handlers::detail {
namespace {

// Deeper than anything Azure DevOps sends; bounds validate_value's recursion.
constexpr int k_max_depth = 256;

// The parser's depth limit (containers, the root object counting as 1): a
// body it accepts has every value within validate_value's k_max_depth, so
// the envelope need not look at the values it skips (see
// Document::fully_validated).
constexpr std::size_t k_shallow_depth = k_max_depth + 2;

ParserState& thread_state() {
    thread_local ParserState state;
    return state;
}

tl::unexpected<Error> invalid(std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message));
}

tl::unexpected<Error> missing(std::string_view path, std::string_view key, std::string_view what) {
    return invalid(join(path, key) + ": missing " + std::string(what));
}

tl::unexpected<Error> wrong_type(std::string_view path, std::string_view key,
                                 std::string_view what) {
    return invalid(join(path, key) + ": not " + std::string(what));
}

// Looks `key` up (first occurrence); nullopt when absent or null.
std::optional<dom::element> lookup(const dom::object& obj, std::string_view key) {
    dom::element value;
    if (obj.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    return value;
}

std::optional<std::int64_t> int_of(dom::element value) {
    switch (value.type()) {
        case dom::element_type::INT64:
            return value.get_int64().value_unsafe();
        case dom::element_type::STRING: {
            std::string_view s = value.get_string().value_unsafe();
            if (s.empty()) return std::nullopt;
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
            return n;
        }
        default:  // fractions, exponents and integers beyond int64 are not ids
            return std::nullopt;
    }
}

std::string shown(std::string_view text) {
    constexpr std::size_t k_max_shown = 64;
    std::string out = "\"";
    out.append(text.substr(0, k_max_shown));
    if (text.size() > k_max_shown) out += "...";
    out += "\"";
    return out;
}

// Parses `body` (padded) into state.root; true when fully validated.
Result<bool> parse_padded(ParserState& state, std::string_view body) {
    // Nearly every body fits the depth-limited parser; one it rejects only
    // for its depth is parsed again at simdjson's default depth, and its
    // readers check the depth of what they skip (validate_value).
    dom::element root;
    auto error = state.shallow_ok ? state.shallow.parse(body.data(), body.size(), false).get(root)
                                  : simdjson::DEPTH_ERROR;
    bool fully_validated = error == simdjson::SUCCESS;
    if (error == simdjson::DEPTH_ERROR)
        error = state.deep.parse(body.data(), body.size(), false).get(root);
    if (error != simdjson::SUCCESS) return invalid("body is not valid JSON");
    state.root = root;
    state.fully_validated = fully_validated;
    return fully_validated;
}

}  // namespace

ParserState::ParserState() {
    // allocate() only sets the depth here; parse() grows the capacity and keeps it.
    if (shallow.allocate(0, k_shallow_depth) != simdjson::SUCCESS) shallow_ok = false;
}

void ParserState::release(std::size_t keep_bytes) {
    // Whatever is released, the current parse may point into it.
    ++generation;
    if (shallow.capacity() > keep_bytes) {
        dom::parser fresh;
        shallow_ok = fresh.allocate(0, k_shallow_depth) == simdjson::SUCCESS;
        shallow = std::move(fresh);
    }
    if (deep.capacity() > keep_bytes) deep = dom::parser{};
    if (buffer.capacity() > keep_bytes) std::string().swap(buffer);
}

Result<Document> Document::parse_into(ParserState& state, std::string_view body,
                                      std::size_t capacity) {
    ++state.generation;  // the tape is about to change
    std::string_view padded = body;
    if (capacity < body.size() + simdjson::SIMDJSON_PADDING) {
        // Copy into the reusable buffer; its spare capacity is the padding.
        state.buffer.reserve(body.size() + simdjson::SIMDJSON_PADDING);
        state.buffer.assign(body.data(), body.size());
        padded = state.buffer;
    }
    auto parsed = parse_padded(state, padded);
    if (!parsed) return tl::unexpected(parsed.error());
    return Document(state.root, *parsed);
}

Result<Document> Document::parse(std::string_view body) {
    return parse_into(thread_state(), body, body.size());
}

Result<Document> Document::of(const ParsedBody& body) {
    const ParserState* state = body.m_parser ? body.m_parser->m_state.get() : nullptr;
    if (!state || state->generation != body.m_generation)
        return fail(ErrorCode::invalid_argument,
                    "internal: the body's parse was replaced before it was read");
    return Document(state->root, state->fully_validated);
}

Result<dom::object> parse_root(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto document, Document::parse(body));
    return document.root();
}

Result<dom::object> resource_of(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto root, document.root());
    return required_object(root, "", "resource");
}

Result<dom::object> Document::root() const {
    dom::object obj;
    if (m_root.get_object().get(obj) != simdjson::SUCCESS)
        return invalid("body is not a JSON object");
    return obj;
}

}  // namespace shiplog::handlers::detail

namespace shiplog::handlers {

JsonParser::JsonParser() : m_state(std::make_unique<detail::ParserState>()) {}
JsonParser::~JsonParser() = default;

Result<ParsedBody> JsonParser::parse(std::string_view body, std::size_t capacity) {
    auto document = detail::Document::parse_into(*m_state, body, capacity);
    if (!document) return tl::unexpected(document.error());
    return ParsedBody(this, m_state->generation, body);
}

void JsonParser::release_memory(std::size_t keep_bytes) {
    m_state->release(keep_bytes);
}

}  // namespace shiplog::handlers

namespace shiplog::handlers::detail {

std::string join(std::string_view path, std::string_view key) {
    std::string out;
    out.reserve(path.size() + key.size() + 1);
    out.append(path);
    if (!path.empty()) out += '.';
    out.append(key);
    return out;
}

std::string index(std::string_view path, std::size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
}

std::optional<std::string_view> string_value(const std::optional<dom::element>& value) {
    std::string_view s;
    if (!value || value->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return s;
}

std::optional<dom::object> object_value(const std::optional<dom::element>& value) {
    dom::object obj;
    if (!value || value->get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    return obj;
}

std::optional<bool> bool_value(const std::optional<dom::element>& value) {
    bool b = false;
    if (!value || value->get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
}

Result<dom::object> required_object(const dom::object& obj, std::string_view path,
                                    std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "object");
    dom::object out;
    if (value->get_object().get(out) != simdjson::SUCCESS)
        return wrong_type(path, key, "an object");
    return out;
}

Result<IdAndName<std::string>> required_named(const dom::object& obj, std::string_view path,
                                              std::string_view key) {
    IdAndName<std::string> out;
    SHIPLOG_TRY_ASSIGN(out.object, required_object(obj, path, key));
    const std::string at = join(path, key);
    SHIPLOG_TRY_ASSIGN(out.id, required_name(out.object, at, "id"));
    SHIPLOG_TRY_ASSIGN(out.name, required_name(out.object, at, "name"));
    return out;
}

Result<IdAndName<std::int64_t>> required_numbered(const dom::object& obj, std::string_view path,
                                                  std::string_view key) {
    IdAndName<std::int64_t> out;
    SHIPLOG_TRY_ASSIGN(out.object, required_object(obj, path, key));
    const std::string at = join(path, key);
    SHIPLOG_TRY_ASSIGN(out.id, required_int(out.object, at, "id"));
    SHIPLOG_TRY_ASSIGN(out.name, required_name(out.object, at, "name"));
    return out;
}

Result<RunRef> required_run(const dom::object& resource) {
    RunRef run;
    SHIPLOG_TRY_ASSIGN(run.object, required_object(resource, "resource", "run"));
    SHIPLOG_TRY_ASSIGN(run.id, required_int(run.object, "resource.run", "id"));
    run.name = optional_string(run.object, "name").value_or("");
    if (auto pipeline = optional_object(resource, "pipeline")) {
        SHIPLOG_TRY_ASSIGN(auto named, required_numbered(resource, "resource", "pipeline"));
        run.pipeline_id = named.id;
        run.pipeline_name = std::move(named.name);
        return run;
    }
    if (auto nested = optional_object(run.object, "pipeline")) {
        run.pipeline_id = optional_int(*nested, "id").value_or(0);
        run.pipeline_name = optional_string(*nested, "name").value_or("");
    }
    if (run.pipeline_name.empty()) return invalid("resource.pipeline: missing object");
    return run;
}

Result<GitRepositoryRef> required_git_repository(const dom::object& resource,
                                                 std::string_view path) {
    SHIPLOG_TRY_ASSIGN(auto repository, required_named(resource, path, "repository"));
    SHIPLOG_TRY_ASSIGN(auto project,
                       required_named(repository.object, join(path, "repository"), "project"));
    return GitRepositoryRef{std::move(repository.id), std::move(repository.name),
                            std::move(project.id), std::move(project.name)};
}

std::optional<dom::object> optional_object(const dom::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    dom::object out;
    if (!value || value->get_object().get(out) != simdjson::SUCCESS) return std::nullopt;
    return out;
}

Result<dom::array> required_array(const dom::object& obj, std::string_view path,
                                  std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "array");
    dom::array out;
    if (value->get_array().get(out) != simdjson::SUCCESS) return wrong_type(path, key, "an array");
    return out;
}

std::optional<dom::array> optional_array(const dom::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    dom::array out;
    if (!value || value->get_array().get(out) != simdjson::SUCCESS) return std::nullopt;
    return out;
}

Result<std::string> required_string(const dom::object& obj, std::string_view path,
                                    std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "string");
    auto s = string_value(value);
    if (!s) return wrong_type(path, key, "a string");
    return std::string(*s);
}

std::optional<std::string_view> optional_string_view(const dom::object& obj, std::string_view key) {
    return string_value(lookup(obj, key));
}

std::optional<std::string> optional_string(const dom::object& obj, std::string_view key) {
    auto s = string_value(lookup(obj, key));
    if (!s) return std::nullopt;
    return std::string(*s);
}

Result<std::string> required_name(const dom::object& obj, std::string_view path,
                                  std::string_view key) {
    auto s = required_string(obj, path, key);
    if (s && s->empty()) return invalid(join(path, key) + ": empty string");
    return s;
}

Result<std::int64_t> required_int(const dom::object& obj, std::string_view path,
                                  std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "integer");
    auto n = int_of(*value);
    if (!n) return wrong_type(path, key, "an integer");
    return *n;
}

std::optional<std::int64_t> optional_int(const dom::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return std::nullopt;
    return int_of(*value);
}

std::optional<bool> optional_bool(const dom::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    bool b = false;
    if (!value || value->get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
}

Result<Timestamp> required_time(const dom::object& obj, std::string_view path,
                                std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "string");
    auto s = string_value(value);
    if (!s) return wrong_type(path, key, "a string");
    auto t = parse_rfc3339(*s);
    if (!t) return invalid(join(path, key) + ": " + shown(*s) + " is not an RFC 3339 time");
    return *t;
}

std::optional<Timestamp> optional_time(const dom::object& obj, std::string_view key) {
    auto s = optional_string_view(obj, key);
    if (!s) return std::nullopt;
    auto t = parse_rfc3339(*s);
    if (!t) return std::nullopt;
    return *t;
}

Result<std::optional<Timestamp>> checked_optional_time(const dom::object& obj,
                                                       std::string_view path,
                                                       std::string_view key) {
    auto s = optional_string_view(obj, key);
    if (!s) return std::optional<Timestamp>();
    auto t = parse_rfc3339(*s);
    if (!t) return invalid(join(path, key) + ": " + t.error().message);
    return std::optional<Timestamp>(*t);
}

tl::unexpected<Error> rejected(std::string_view path, std::string_view key, std::string_view value,
                               std::string_view why) {
    return invalid(join(path, key) + ": " + shown(value) + " " + std::string(why));
}

std::optional<std::string> normalize_sha(std::string_view text) {
    constexpr std::size_t k_sha_length = 40;
    if (text.size() != k_sha_length) return std::nullopt;
    // Branch-free per byte, so the compiler vectorises it: setting bit 0x20
    // lower-cases 'A'-'F' and leaves digits as they are; a byte is good when
    // it is a digit, or a letter a-f once lower-cased (0x41-0x46 or 0x61-0x66;
    // no other byte maps there).
    char out[k_sha_length];
    unsigned char bad = 0;
    for (std::size_t i = 0; i < k_sha_length; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto lower = static_cast<unsigned char>(c | 0x20);
        const bool digit = static_cast<unsigned char>(c - '0') <= 9;
        const bool letter = static_cast<unsigned char>(lower - 'a') <= 5;
        bad |= static_cast<unsigned char>(!(digit | letter));
        out[i] = static_cast<char>(lower);
    }
    if (bad) return std::nullopt;
    return std::string(out, k_sha_length);
}

Result<std::string> required_sha(const dom::object& obj, std::string_view path,
                                 std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "string");
    auto s = string_value(value);
    if (!s) return wrong_type(path, key, "a string");
    auto sha = normalize_sha(*s);
    if (!sha) return invalid(join(path, key) + ": " + shown(*s) + " is not a 40-hex commit id");
    return std::move(*sha);
}

std::optional<std::string> identity_value(dom::element value) {
    std::string_view s;
    if (value.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
    dom::object obj;
    if (value.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    auto display = optional_string_view(obj, "displayName");
    auto unique = optional_string_view(obj, "uniqueName");
    bool has_display = display && !display->empty(), has_unique = unique && !unique->empty();
    if (has_display && has_unique) {
        std::string out;
        out.reserve(display->size() + unique->size() + 3);
        out.append(*display).append(" <").append(*unique).append(">");
        return out;
    }
    if (has_unique) return std::string(*unique);
    if (has_display) return std::string(*display);
    return std::nullopt;
}

std::optional<std::string> optional_identity(const dom::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return std::nullopt;
    return identity_value(*value);
}

std::optional<std::string> scalar_text(dom::element value) {
    switch (value.type()) {
        case dom::element_type::STRING:
            return std::string(value.get_string().value_unsafe());
        case dom::element_type::INT64:
            return std::to_string(value.get_int64().value_unsafe());
        case dom::element_type::UINT64:
            return std::to_string(value.get_uint64().value_unsafe());
        case dom::element_type::DOUBLE:
            return simdjson::to_string(value);
        default:
            return std::nullopt;
    }
}

bool validate_value(dom::element value, int depth) {
    if (depth > k_max_depth) return false;
    switch (value.type()) {
        case dom::element_type::OBJECT: {
            dom::object obj = value.get_object().value_unsafe();
            for (auto field : obj)
                if (!validate_value(field.value, depth + 1)) return false;
            return true;
        }
        case dom::element_type::ARRAY: {
            dom::array arr = value.get_array().value_unsafe();
            for (auto child : arr)
                if (!validate_value(child, depth + 1)) return false;
            return true;
        }
        default:
            return true;
    }
}

}  // namespace shiplog::handlers::detail
