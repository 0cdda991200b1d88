#pragma once
// ASCII-only text helpers. Azure DevOps names (projects, repositories,
// pipelines, result strings), HTTP header names and commit ids compare
// without regard to case; <cctype> would consult the C locale, and these
// must not, so every layer uses these instead of its own copy.

#include <cstddef>
#include <string>
#include <string_view>

namespace shiplog::ascii {

constexpr char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

constexpr bool iends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// 0-15 for a hex digit of either case, -1 for anything else.
constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr bool is_hex(std::string_view s) {
    for (char c : s)
        if (hex_value(c) < 0) return false;
    return true;
}

// A full git commit id (SHA-1) in either case.
constexpr bool is_hex40(std::string_view s) {
    return s.size() == 40 && is_hex(s);
}

}  // namespace shiplog::ascii
