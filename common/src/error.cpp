#include "common/error.hpp"

#include <algorithm>

namespace shiplog {

namespace {

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

}  // namespace

std::string one_line(std::string message) {
    // The common case (no control character) returns the string untouched.
    if (std::none_of(message.begin(), message.end(), is_control)) return message;
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(message.size() + 8);
    for (const char c : message) {
        if (!is_control(c)) {
            out.push_back(c);
            continue;
        }
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                const auto byte = static_cast<unsigned char>(c);
                out += "\\x";
                out.push_back(k_hex[byte >> 4]);
                out.push_back(k_hex[byte & 0xf]);
            }
        }
    }
    return out;
}

}  // namespace shiplog
