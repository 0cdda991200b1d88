#pragma once
// Private to common: UTF-8 validation for the JSON and log-line escapers.

#include <cstddef>
#include <string_view>

namespace shiplog::detail {

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or
// 0. Overlong forms, surrogates and code points above U+10FFFF are refused.
inline std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    const std::size_t n = c >= 0xf0 && c <= 0xf4  ? 4
                          : c >= 0xe0             ? 3
                          : c >= 0xc2 && c < 0xe0 ? 2
                                                  : 0;
    if (n == 0 || c >= 0xf5 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && b(i + 1) < 0xa0) return 0;
    if (c == 0xed && b(i + 1) >= 0xa0) return 0;
    if (c == 0xf0 && b(i + 1) < 0x90) return 0;
    if (c == 0xf4 && b(i + 1) >= 0x90) return 0;
    return n;
}

}  // namespace shiplog::detail
