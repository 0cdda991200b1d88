#pragma once
// The one JSON writer for everything shiplog prints or sends: API answers,
// `--json` output, request bodies to Azure DevOps, stored lookup records.
// Output is compact (no spaces) and always well-formed: strings are escaped
// here (", \, control characters; invalid UTF-8 becomes U+FFFD, so the
// text parses with any strict parser), and fuzz/json_writer_fuzzer.cpp
// checks that whatever a Writer is asked to write parses with simdjson.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/clock.hpp"

namespace shiplog::json {

// Appends the inside of a JSON string literal for `s` (no quotes).
void append_escaped(std::string& out, std::string_view s);
std::string escape(std::string_view s);
// Appends `s` as a JSON string literal, quotes included.
void append_string(std::string& out, std::string_view s);
// `s` as a JSON string literal, quotes included.
std::string quote(std::string_view s);

// Writes a value token by token; commas go where they belong:
//   Writer w;
//   w.begin_object().field("id", id).key("tags").begin_array();
//   for (auto& t : tags) w.value(t);
//   w.end_array().end_object();
//   std::string text = w.take();
// Nesting is the caller's to balance (every begin_ has its end_); keys
// belong only directly inside objects.
class Writer {
  public:
    Writer() = default;
    // Continues `out` (e.g. a prefix already written); commas are decided
    // from this Writer's own tokens only.
    explicit Writer(std::string out) : m_out(std::move(out)) {}

    Writer& begin_object() { return open('{'); }
    Writer& end_object() { return close('}'); }
    Writer& begin_array() { return open('['); }
    Writer& end_array() { return close(']'); }
    Writer& key(std::string_view name);

    Writer& value(std::string_view s);
    Writer& value(const char* s) { return value(std::string_view(s)); }
    Writer& value(const std::string& s) { return value(std::string_view(s)); }
    Writer& value(bool b) { return raw(b ? "true" : "false"); }
    template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool> &&
                                              !std::is_same_v<Int, char>,
                                          int> = 0>
    Writer& value(Int n) {
        if constexpr (std::is_signed_v<Int>)
            return integer(static_cast<std::int64_t>(n));
        else
            return unsigned_integer(static_cast<std::uint64_t>(n));
    }
    Writer& null() { return raw("null"); }
    // A finite number in the shortest form that reads back as the same
    // double; NaN and infinities (no JSON form) as null.
    Writer& value(double d);
    // JSON text written by someone else (a number already formatted, a
    // stored document). The caller answers for its well-formedness.
    Writer& raw(std::string_view json);

    template <class T>
    Writer& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }
    // null when empty.
    template <class T>
    Writer& field(std::string_view name, const std::optional<T>& v) {
        key(name);
        return v ? value(*v) : null();
    }
    Writer& null_field(std::string_view name) { return key(name).null(); }
    // null when `text` is empty.
    Writer& text_or_null(std::string_view name, std::string_view text) {
        key(name);
        return text.empty() ? null() : value(text);
    }
    // RFC 3339 (format_rfc3339); null when absent.
    Writer& time_field(std::string_view name, const std::optional<Timestamp>& t);

    const std::string& str() const { return m_out; }
    std::string take() { return std::move(m_out); }

  private:
    Writer& open(char c);
    Writer& close(char c);
    Writer& integer(std::int64_t n);
    Writer& unsigned_integer(std::uint64_t n);
    void separate() {
        if (m_need_comma) m_out.push_back(',');
    }

    std::string m_out;
    bool m_need_comma = false;
};

}  // namespace shiplog::json
