#pragma once
// Private to tracking: a flat JSON record of strings and integers described
// once, as a table of its fields, which both writes it (in the table's
// order) and reads it back with record_json's checks and errors.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "records/record_json.hpp"

namespace shiplog::tracking::detail {

// What a field must hold to read back.
enum class FieldRule {
    text,           // any string
    nonempty_text,  // a string that is not empty
    sha,            // 40 hex digits, kept in lower case
    positive_id,    // an integer > 0 (an Azure DevOps id)
    count,          // an integer >= 0
};

template <class T>
struct FlatField {
    const char* key;
    FieldRule rule;
    std::string T::*text = nullptr;  // for text, nonempty_text and sha
    std::int64_t T::*number = nullptr;

    constexpr FlatField(const char* k, std::string T::*m, FieldRule r = FieldRule::text)
        : key(k), rule(r), text(m) {}
    constexpr FlatField(const char* k, std::int64_t T::*m, FieldRule r)
        : key(k), rule(r), number(m) {}
};

template <class T, std::size_t N>
std::string write_flat_record(const T& value, const std::array<FlatField<T>, N>& fields) {
    json::Writer w;
    w.begin_object();
    for (const auto& f : fields) {
        if (f.text)
            w.field(f.key, value.*(f.text));
        else
            w.field(f.key, value.*(f.number));
    }
    return w.end_object().take();
}

// Reads one field of `record` into `out`; errors name `what` and the key.
template <class T>
Status read_flat_field(simdjson::dom::element record, const char* what, const FlatField<T>& f,
                       T& out) {
    switch (f.rule) {
        case FieldRule::text:
        case FieldRule::nonempty_text: {
            SHIPLOG_TRY_ASSIGN(out.*(f.text), record_string(record, what, f.key));
            if (f.rule == FieldRule::nonempty_text && (out.*(f.text)).empty())
                return tl::unexpected(record_error(what, std::string(".") + f.key + ": empty"));
            return {};
        }
        case FieldRule::sha: {
            SHIPLOG_TRY_ASSIGN(out.*(f.text), record_sha(record, what, f.key));
            return {};
        }
        case FieldRule::positive_id: {
            SHIPLOG_TRY_ASSIGN(out.*(f.number), record_positive_id(record, what, f.key));
            return {};
        }
        case FieldRule::count: {
            SHIPLOG_TRY_ASSIGN(out.*(f.number), record_count(record, what, f.key));
            return {};
        }
    }
    return {};
}

template <class T, std::size_t N>
Result<T> read_flat_record(std::string_view raw, const char* what,
                           const std::array<FlatField<T>, N>& fields) {
    SHIPLOG_TRY_ASSIGN(auto record, parse_record(raw, what));
    T out;
    for (const auto& f : fields) SHIPLOG_TRY(read_flat_field(record, what, f, out));
    return out;
}

}  // namespace shiplog::tracking::detail
