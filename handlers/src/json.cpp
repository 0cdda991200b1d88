#include "json.hpp"

#include <charconv>
#include <cstring>

#include "common/time_format.hpp"

namespace shiplog::handlers::detail {
namespace {

// Deeper than anything Azure DevOps sends; bounds the validator's recursion.
constexpr int k_max_depth = 256;

// The DOM validator's depth limit (containers, the root object counting as
// 1): a body it accepts has every value within validate_value's k_max_depth,
// so the envelope need not walk it again (see Document::fully_validated).
constexpr std::size_t k_shallow_depth = k_max_depth + 2;

struct ThreadState {
    ThreadState() {
        // allocate() only sets the depth here; parse() grows the capacity and keeps it.
        if (shallow.allocate(0, k_shallow_depth) != simdjson::SUCCESS) shallow_ok = false;
    }
    simdjson::dom::parser shallow;  // validates bodies up to k_shallow_depth deep
    bool shallow_ok = true;
    simdjson::dom::parser deep;  // simdjson's default depth: only for deeper bodies
    od::parser parser;
    od::document doc;
    std::string buffer;  // reused: grows to the largest body seen on this thread
    // The body `doc` was last parsed from by Document::parse (a copy is in
    // `buffer`), while `doc` may be rewound instead of parsed again; see there.
    const char* source = nullptr;
    bool reusable = false;
    bool fully_validated = false;
};

ThreadState& thread_state() {
    thread_local ThreadState state;
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

// Looks `key` up; nullopt when absent or null. Other errors (structural
// damage) also read as absent, because the caller reports the field.
std::optional<od::value> lookup(od::object& obj, std::string_view key) {
    if (!document_alive()) return std::nullopt;
    od::value value;
    if (obj.find_field_unordered(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    bool is_null = false;
    if (value.is_null().get(is_null) != simdjson::SUCCESS || is_null) return std::nullopt;
    return value;
}

std::optional<std::int64_t> int_of(od::value& value) {
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return std::nullopt;
    if (type == od::json_type::number) {
        std::int64_t n = 0;
        if (value.get_int64().get(n) != simdjson::SUCCESS) return std::nullopt;
        return n;
    }
    if (type == od::json_type::string) {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS || s.empty()) return std::nullopt;
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
        return n;
    }
    return std::nullopt;
}

std::string shown(std::string_view text) {
    constexpr std::size_t k_max_shown = 64;
    std::string out = "\"";
    out.append(text.substr(0, k_max_shown));
    if (text.size() > k_max_shown) out += "...";
    out += "\"";
    return out;
}

}  // namespace

bool document_alive() {
    return thread_state().doc.is_alive();
}

Result<Document> Document::parse(std::string_view body) {
    auto& state = thread_state();
    // The same request body again on this thread (the webhook path parses
    // it for the envelope, then for relevance): its copy in `buffer` is
    // already validated and indexed, so rewind instead of copying, validating
    // and indexing it again. Compared byte for byte, so a reused address with
    // other content is parsed afresh.
    if (state.reusable && body.data() == state.source && body.size() == state.buffer.size() &&
        state.doc.is_alive() && std::memcmp(body.data(), state.buffer.data(), body.size()) == 0) {
        state.doc.rewind();
        return Document(&state.doc, state.fully_validated);
    }
    // Copy into the reusable buffer; its spare capacity is the padding.
    state.buffer.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    state.buffer.assign(body.data(), body.size());
    auto document = parse_padded(state.buffer, state.buffer.capacity());
    state.source = body.data();
    state.reusable = document.has_value();
    return document;
}

Result<Document> Document::parse_padded(std::string_view body, std::size_t capacity) {
    if (capacity < body.size() + simdjson::SIMDJSON_PADDING) return parse(body);
    auto& state = thread_state();
    state.reusable = false;  // `doc` is about to change
    // On-Demand (3.0.1) validates only what it reads and trusts brackets to
    // balance: unordered field lookups in a malformed document can read out
    // of bounds (found by fuzzing). The DOM parser first validates the whole
    // body, including balance and trailing content. Nearly every body passes
    // the depth-limited validator; one it rejects only for its depth is
    // validated again at simdjson's default depth, as before.
    bool fully_validated = false;
    auto error = state.shallow_ok ? state.shallow.parse(body.data(), body.size(), false).error()
                                  : simdjson::DEPTH_ERROR;
    if (error == simdjson::SUCCESS) {
        fully_validated = true;
    } else if (error == simdjson::DEPTH_ERROR) {
        if (state.deep.parse(body.data(), body.size(), false).error() != simdjson::SUCCESS)
            return invalid("body is not valid JSON");
    } else {
        return invalid("body is not valid JSON");
    }
    error = state.parser.iterate(simdjson::padded_string_view(body.data(), body.size(), capacity))
                .get(state.doc);
    if (error != simdjson::SUCCESS) return invalid("body is not valid JSON");
    state.fully_validated = fully_validated;
    return Document(&state.doc, fully_validated);
}

Result<od::object> Document::root() {
    od::json_type type;
    if (m_doc->type().get(type) != simdjson::SUCCESS) return invalid("body is not valid JSON");
    if (type != od::json_type::object) return invalid("body is not a JSON object");
    od::object obj;
    if (m_doc->get_object().get(obj) != simdjson::SUCCESS) return invalid("body is not valid JSON");
    return obj;
}

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

Result<od::object> required_object(od::object& obj, std::string_view path, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "object");
    od::object out;
    if (value->get_object().get(out) != simdjson::SUCCESS)
        return wrong_type(path, key, "an object");
    return out;
}

std::optional<od::object> optional_object(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    od::object out;
    if (!value || value->get_object().get(out) != simdjson::SUCCESS) return std::nullopt;
    return out;
}

Result<od::array> required_array(od::object& obj, std::string_view path, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "array");
    od::array out;
    if (value->get_array().get(out) != simdjson::SUCCESS) return wrong_type(path, key, "an array");
    return out;
}

std::optional<od::array> optional_array(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    od::array out;
    if (!value || value->get_array().get(out) != simdjson::SUCCESS) return std::nullopt;
    return out;
}

Result<std::string> required_string(od::object& obj, std::string_view path, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "string");
    std::string_view s;
    if (value->get_string().get(s) != simdjson::SUCCESS) return wrong_type(path, key, "a string");
    return std::string(s);
}

std::optional<std::string> optional_string(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    std::string_view s;
    if (!value || value->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return std::string(s);
}

Result<std::string> required_name(od::object& obj, std::string_view path, std::string_view key) {
    auto s = required_string(obj, path, key);
    if (s && s->empty()) return invalid(join(path, key) + ": empty string");
    return s;
}

Result<std::int64_t> required_int(od::object& obj, std::string_view path, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return missing(path, key, "integer");
    auto n = int_of(*value);
    if (!n) return wrong_type(path, key, "an integer");
    return *n;
}

std::optional<std::int64_t> optional_int(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return std::nullopt;
    return int_of(*value);
}

std::optional<bool> optional_bool(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    bool b = false;
    if (!value || value->get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
}

Result<Timestamp> required_time(od::object& obj, std::string_view path, std::string_view key) {
    auto s = required_string(obj, path, key);
    if (!s) return tl::unexpected(s.error());
    auto t = parse_rfc3339(*s);
    if (!t) return invalid(join(path, key) + ": " + shown(*s) + " is not an RFC 3339 time");
    return *t;
}

std::optional<Timestamp> optional_time(od::object& obj, std::string_view key) {
    auto s = optional_string(obj, key);
    if (!s) return std::nullopt;
    auto t = parse_rfc3339(*s);
    if (!t) return std::nullopt;
    return *t;
}

std::optional<std::string> normalize_sha(std::string_view text) {
    constexpr std::size_t k_sha_length = 40;
    if (text.size() != k_sha_length) return std::nullopt;
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    }
    return out;
}

Result<std::string> required_sha(od::object& obj, std::string_view path, std::string_view key) {
    auto s = required_string(obj, path, key);
    if (!s) return s;
    auto sha = normalize_sha(*s);
    if (!sha) return invalid(join(path, key) + ": " + shown(*s) + " is not a 40-hex commit id");
    return *sha;
}

std::optional<std::string> identity_value(od::value value) {
    if (!document_alive()) return std::nullopt;
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return std::nullopt;
    if (type == od::json_type::string) {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
        return std::string(s);
    }
    if (type != od::json_type::object) return std::nullopt;
    od::object obj;
    if (value.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    auto display = optional_string(obj, "displayName");
    auto unique = optional_string(obj, "uniqueName");
    if (display && !display->empty() && unique && !unique->empty())
        return *display + " <" + *unique + ">";
    if (unique && !unique->empty()) return unique;
    if (display && !display->empty()) return display;
    return std::nullopt;
}

std::optional<std::string> optional_identity(od::object& obj, std::string_view key) {
    auto value = lookup(obj, key);
    if (!value) return std::nullopt;
    return identity_value(*value);
}

std::optional<std::string> scalar_text(od::value value) {
    if (!document_alive()) return std::nullopt;
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return std::nullopt;
    if (type == od::json_type::string) {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
        return std::string(s);
    }
    if (type == od::json_type::number) {
        std::string_view raw = value.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                raw.back() == '\t'))
            raw.remove_suffix(1);
        return std::string(raw);
    }
    return std::nullopt;
}

bool validate_value(od::value value, int depth) {
    if (depth > k_max_depth || !document_alive()) return false;
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return false;
    switch (type) {
        case od::json_type::object: {
            od::object obj;
            if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
                od::value child;
                if (field.value().get(child) != simdjson::SUCCESS) return false;
                if (!validate_value(child, depth + 1) || !document_alive()) return false;
            }
            return true;
        }
        case od::json_type::array: {
            od::array arr;
            if (value.get_array().get(arr) != simdjson::SUCCESS) return false;
            for (auto element : arr) {
                od::value child;
                if (element.get(child) != simdjson::SUCCESS) return false;
                if (!validate_value(child, depth + 1) || !document_alive()) return false;
            }
            return true;
        }
        case od::json_type::string: {
            std::string_view s;
            return value.get_string().get(s) == simdjson::SUCCESS;
        }
        case od::json_type::number: {
            double d = 0;
            return value.get_double().get(d) == simdjson::SUCCESS;
        }
        case od::json_type::boolean: {
            bool b = false;
            return value.get_bool().get(b) == simdjson::SUCCESS;
        }
        case od::json_type::null: {
            bool is_null = false;
            return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
        }
    }
    return false;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace shiplog::handlers::detail
