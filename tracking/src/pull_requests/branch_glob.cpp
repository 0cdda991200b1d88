#include "pull_requests/branch_glob.hpp"

#include <cstddef>

namespace shiplog::tracking::detail {

namespace {

// Matches the class starting at pattern[p] == '[' against c; `end` receives
// the index after its ']'; false with end == p when the class is unclosed.
bool class_matches(std::string_view pattern, std::size_t p, char c, std::size_t& end) {
    std::size_t i = p + 1;
    bool negate = false;
    if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
        negate = true;
        ++i;
    }
    bool matched = false;
    bool first = true;
    for (; i < pattern.size(); ++i) {
        if (pattern[i] == ']' && !first) {
            end = i + 1;
            return c != '/' && matched != negate;
        }
        first = false;
        if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
            if (pattern[i] <= c && c <= pattern[i + 2]) matched = true;
            i += 2;
        } else if (pattern[i] == c) {
            matched = true;
        }
    }
    end = p;
    return false;
}

}  // namespace

bool branch_glob_match(std::string_view pattern, std::string_view name) {
    // Iterative matching with one backtrack point for the last `*` (its run
    // never crosses '/').
    std::size_t p = 0, n = 0;
    std::size_t star_p = std::string_view::npos, star_n = 0;
    while (n < name.size()) {
        if (p < pattern.size()) {
            const char pc = pattern[p];
            if (pc == '*') {
                star_p = p++;
                star_n = n;
                continue;
            }
            if (pc == '?' && name[n] != '/') {
                ++p;
                ++n;
                continue;
            }
            if (pc == '[') {
                std::size_t end = p;
                if (class_matches(pattern, p, name[n], end)) {
                    p = end;
                    ++n;
                    continue;
                }
                if (end == p && name[n] == '[') {  // unclosed: a literal '['
                    ++p;
                    ++n;
                    continue;
                }
            } else if (pc != '?' && pc == name[n]) {
                ++p;
                ++n;
                continue;
            }
        }
        // Backtrack: the last `*` takes one more character, never a '/'.
        if (star_p == std::string_view::npos || name[star_n] == '/') return false;
        p = star_p + 1;
        n = ++star_n;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace shiplog::tracking::detail
