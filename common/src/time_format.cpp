#include "common/time_format.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace shiplog {
namespace {

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

// The input quoted for a one-line message: control and non-ASCII bytes
// escaped (it may come from a payload or a terminal), long input cut.
std::string shown(std::string_view text) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == 64) {
            out += "...";
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

tl::unexpected<Error> bad(std::string_view text, const char* expected) {
    return fail(ErrorCode::invalid_argument, shown(text) + " is not " + expected);
}

// Timestamp counts int64 nanoseconds, so it spans only about 1677-09-22 to
// 2262-04-11; seconds outside this range (plus a fraction) would overflow.
constexpr std::int64_t k_min_seconds = -9'223'372'036;
constexpr std::int64_t k_max_seconds = 9'223'372'035;

tl::unexpected<Error> out_of_range(std::string_view text) {
    return fail(ErrorCode::invalid_argument,
                shown(text) + " is out of the supported range (1677-09-22 to 2262-04-11)");
}

// Days since 1970-01-01 of a valid civil date, or nullopt.
std::optional<std::chrono::sys_days> civil_date(int y, int m, int d) {
    std::chrono::year_month_day ymd{std::chrono::year{y},
                                    std::chrono::month{static_cast<unsigned>(m)},
                                    std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd};
}

constexpr const char* k_expected_rfc3339 = "an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)";
constexpr const char* k_expected_cli =
    "a date (2026-11-01) or an RFC 3339 time (2026-11-01T00:00:00Z)";

// parse_rfc3339, naming `k_expected` in its message when the text is malformed.
Result<Timestamp> parse_rfc3339_or(std::string_view text, const char* k_expected) {
    int y, mo, d, h, mi, s;
    if (text.size() < 19 || !read_digits(text, 0, 4, y) || text[4] != '-' ||
        !read_digits(text, 5, 2, mo) || text[7] != '-' || !read_digits(text, 8, 2, d) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !read_digits(text, 11, 2, h) ||
        text[13] != ':' || !read_digits(text, 14, 2, mi) || text[16] != ':' ||
        !read_digits(text, 17, 2, s))
        return bad(text, k_expected);
    auto day = civil_date(y, mo, d);
    if (!day || h > 23 || mi > 59 || s > 60) return bad(text, k_expected);
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return bad(text, k_expected);
        for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
    }
    std::int64_t offset_seconds = 0;
    if (pos < text.size()) {
        char c = text[pos];
        if ((c == 'Z' || c == 'z') && pos + 1 == text.size()) {
            // UTC
        } else if ((c == '+' || c == '-') && pos + 6 == text.size() && text[pos + 3] == ':') {
            int oh, om;
            if (!read_digits(text, pos + 1, 2, oh) || !read_digits(text, pos + 4, 2, om) ||
                oh > 23 || om > 59)
                return bad(text, k_expected);
            offset_seconds = (oh * 3600 + om * 60) * (c == '+' ? 1 : -1);
        } else {
            return bad(text, k_expected);
        }
    }
    using namespace std::chrono;
    // Whole seconds first (cannot overflow int64 for years 0000-9999), then
    // the range check, then nanoseconds.
    std::int64_t secs = std::int64_t{day->time_since_epoch().count()} * 86'400 + h * 3'600 +
                        mi * 60 + s - offset_seconds;
    if (secs < k_min_seconds || secs > k_max_seconds) return out_of_range(text);
    return Timestamp{nanoseconds{secs * 1'000'000'000 + nanos}};
}

}  // namespace

Result<Timestamp> parse_rfc3339(std::string_view text) {
    return parse_rfc3339_or(text, k_expected_rfc3339);
}

Result<Timestamp> parse_cli_time(std::string_view text) {
    if (text.size() == 10) {
        int y, mo, d;
        if (read_digits(text, 0, 4, y) && text[4] == '-' && read_digits(text, 5, 2, mo) &&
            text[7] == '-' && read_digits(text, 8, 2, d)) {
            if (auto day = civil_date(y, mo, d)) {
                std::int64_t secs = std::int64_t{day->time_since_epoch().count()} * 86'400;
                if (secs < k_min_seconds || secs > k_max_seconds) return out_of_range(text);
                return Timestamp{*day};
            }
        }
        return bad(text, k_expected_cli);
    }
    return parse_rfc3339_or(text, k_expected_cli);
}

std::string format_rfc3339(Timestamp t) {
    using namespace std::chrono;
    auto secs = floor<seconds>(t);
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss<seconds> hms{secs - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

}  // namespace shiplog
