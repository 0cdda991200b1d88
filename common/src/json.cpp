#include "common/json.hpp"

#include <charconv>
#include <cmath>

#include "common/time_format.hpp"
#include "utf8.hpp"

namespace shiplog::json {

void append_escaped(std::string& out, std::string_view s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        std::size_t n = c >= 0x80 ? detail::utf8_length(s, i) : 0;
        if (n > 0) {
            i += n;
            continue;
        }
        out.append(s.data() + run, i - run);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(k_hex[c >> 4]);
                    out.push_back(k_hex[c & 0xf]);
                } else {
                    out += "\\ufffd";  // a byte of no valid UTF-8 sequence
                }
        }
        run = ++i;
    }
    out.append(s.data() + run, s.size() - run);
}

void append_string(std::string& out, std::string_view s) {
    out.push_back('"');
    append_escaped(out, s);
    out.push_back('"');
}

std::string escape(std::string_view s) {
    std::string out;
    append_escaped(out, s);
    return out;
}

std::string quote(std::string_view s) {
    std::string out;
    append_string(out, s);
    return out;
}

Writer& Writer::key(std::string_view name) {
    separate();
    append_string(m_out, name);
    m_out.push_back(':');
    m_need_comma = false;
    return *this;
}

Writer& Writer::value(std::string_view s) {
    separate();
    append_string(m_out, s);
    m_need_comma = true;
    return *this;
}

Writer& Writer::time_field(std::string_view name, const std::optional<Timestamp>& t) {
    key(name);
    return t ? value(format_rfc3339(*t)) : null();
}

Writer& Writer::value(double d) {
    if (!std::isfinite(d)) return null();
    char buf[32];
    // The shortest form of a large integral double is a bare integer
    // ("-36893488147418193920"), which readers that hold integers in 64 bits
    // (simdjson, so shiplog's own) refuse: from 2^63 on, write an exponent.
    const auto format =
        std::fabs(d) >= 0x1p63 ? std::chars_format::scientific : std::chars_format{};
    auto [end, ec] = format == std::chars_format{}
                         ? std::to_chars(buf, buf + sizeof buf, d)
                         : std::to_chars(buf, buf + sizeof buf, d, format);
    (void)ec;  // 32 bytes hold any double's shortest form
    return raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

Writer& Writer::raw(std::string_view json) {
    separate();
    m_out.append(json);
    m_need_comma = true;
    return *this;
}

Writer& Writer::open(char c) {
    separate();
    m_out.push_back(c);
    m_need_comma = false;
    return *this;
}

Writer& Writer::close(char c) {
    m_out.push_back(c);
    m_need_comma = true;
    return *this;
}

Writer& Writer::integer(std::int64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    return raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

Writer& Writer::unsigned_integer(std::uint64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    return raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

}  // namespace shiplog::json
