#include "common/error.hpp"
#include "common/log_line.hpp"

#include "utf8.hpp"

namespace shiplog {

namespace {

// Escapes what would break a log line; `quoted` also escapes '"' and '\'
// and writes every escape as \xNN.
void escape_line(std::string& out, std::string_view text, bool quoted) {
    static constexpr char k_hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) {
            if (quoted && (c == '"' || c == '\\')) out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (const std::size_t n = c >= 0x80 ? detail::utf8_length(text, i) : 0; n > 0) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        ++i;
        if (!quoted && (c == '\n' || c == '\r' || c == '\t')) {
            out.push_back('\\');
            out.push_back(c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
            continue;
        }
        out += "\\x";
        out.push_back(k_hex[c >> 4]);
        out.push_back(k_hex[c & 0xf]);
    }
}

bool plain(std::string_view text) {
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f) return false;
    }
    return true;
}

}  // namespace

std::string one_line(std::string message) {
    // The common case (printable ASCII) returns the string untouched.
    if (plain(message)) return message;
    std::string out;
    out.reserve(message.size() + 8);
    escape_line(out, message, false);
    return out;
}

std::string quoted_field(std::string_view text, std::size_t max) {
    const bool cut = text.size() > max;
    if (cut) text = text.substr(0, max);
    std::string out;
    out.reserve(text.size() + 8);
    escape_line(out, text, true);
    if (cut) out += "...";
    return out;
}

}  // namespace shiplog
