#include "common/time_format.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

// Two ASCII digits at `p` as a number, or -1.
inline int two_digits(const char* p) {
    unsigned a = static_cast<unsigned char>(p[0]) - '0', b = static_cast<unsigned char>(p[1]) - '0';
    return a <= 9 && b <= 9 ? static_cast<int>(a * 10 + b) : -1;
}

// y / 100 for y < 43'699, as a multiplication (GCC emits a division for
// the cold-looking code after the fast path's many early returns).
constexpr unsigned div100(unsigned y) {
    return (y * 5'243) >> 19;
}

constexpr unsigned k_days_before_month[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

// Days since 1970-01-01 of y-m-d, for years 1678-2261 (so that all of it is
// unsigned and divides by constants cheaply) with m and d already valid.
constexpr std::int64_t days_since_epoch(unsigned y, unsigned m, unsigned d, bool leap) {
    constexpr unsigned k_leaps_before_1970 = 1969 / 4 - 1969 / 100 + 1969 / 400;
    const unsigned before = y - 1, centuries = div100(before);
    const unsigned leaps = before / 4 - centuries + centuries / 4;
    const unsigned in_year = k_days_before_month[m - 1] + (m > 2 && leap) + d - 1;
    return (std::int64_t{y} - 1970) * 365 + std::int64_t{leaps} - k_leaps_before_1970 + in_year;
}
static_assert(days_since_epoch(1970, 1, 1, false) == 0);
static_assert(days_since_epoch(2000, 3, 1, true) == 11'017);
static_assert(days_since_epoch(1678, 1, 1, false) == -106'650);
static_assert(div100(9'999) == 99 && div100(2'100) == 21 && div100(2'099) == 20);

}  // namespace

namespace rfc3339_detail {

// The shapes Azure DevOps sends ("2026-11-27T10:11:12Z", with a fraction of
// up to 9 digits, or a +hh:mm / -hh:mm offset) without the general path's
// checks per field: every ingested commit carries two of these. Anything
// else, valid or not (lower-case or space separators, no zone, more than 9
// fraction digits, years before 1678 or after 2261), returns nullopt for
// the general path, which has the error messages; whatever this accepts,
// the general path accepts with the same result
// (tests/unit/common/time_format_fast_test.cpp).
std::optional<Timestamp> parse_rfc3339_fast(std::string_view text) {
    const std::size_t n = text.size();
    if (n < 20) return std::nullopt;
    const char* p = text.data();
    // The fixed part, 19 bytes, checked and read 8 bytes at a time:
    //   a = "YYYY-MM-", b = "DDTHH:MM", c = ":SS" (and the byte after).
    if constexpr (std::endian::native != std::endian::little) return std::nullopt;
    std::uint64_t a, b;
    std::uint32_t c;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    std::memcpy(&c, p + 16, 4);
    constexpr std::uint64_t k_zeros = 0x3030303030303030;  // '0' in every byte
    // A digit byte minus '0' (as xor) is 0..9; adding 0x76 keeps it below
    // 0x80, and any other byte has bit 7 set in the xor or the sum. (A
    // carry into the next byte can only make that one look bad too.)
    auto bad_digits = [](std::uint64_t x, std::uint64_t digit_bytes) {
        return ((x + 0x7676767676767676) | x) & digit_bytes;
    };
    a ^= k_zeros;
    b ^= k_zeros;
    c ^= static_cast<std::uint32_t>(k_zeros);
    // After the xor, '-' is 0x1d, 'T' 0x64 and ':' 0x0a.
    constexpr std::uint64_t k_a_seps = 0xff0000ff00000000, k_a_want = 0x1d00001d00000000;
    constexpr std::uint64_t k_b_seps = 0x0000ff0000ff0000, k_b_want = 0x00000a0000640000;
    if ((a & k_a_seps) != k_a_want || (b & k_b_seps) != k_b_want || (c & 0xff) != 0x0a ||
        bad_digits(a, 0x0080800080808080) != 0 || bad_digits(b, 0x8080008080008080) != 0 ||
        bad_digits(c, 0x00808000) != 0)
        return std::nullopt;
    auto digit = [](std::uint64_t x, int byte) {
        return static_cast<int>((x >> (8 * byte)) & 0xf);
    };
    const int y_hi = digit(a, 0) * 10 + digit(a, 1), y_lo = digit(a, 2) * 10 + digit(a, 3),
              mo = digit(a, 5) * 10 + digit(a, 6), d = digit(b, 0) * 10 + digit(b, 1),
              h = digit(b, 3) * 10 + digit(b, 4), mi = digit(b, 6) * 10 + digit(b, 7),
              s = digit(c, 1) * 10 + digit(c, 2);
    // Years well inside Timestamp's range (1677-09-22 .. 2262-04-11) only,
    // whatever the offset: the general path checks the edges.
    const unsigned y = static_cast<unsigned>(y_hi * 100 + y_lo);
    if (y < 1678 || y > 2261 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    static constexpr std::uint8_t k_month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    // Divisible by 400 = by 100 and by 16.
    const bool leap = (y & 3) == 0 && (div100(y) * 100 != y || (y & 15) == 0);
    if (d > k_month_days[mo - 1] + (mo == 2 && leap)) return std::nullopt;
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (p[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < n && static_cast<unsigned>(static_cast<unsigned char>(p[pos]) - '0') <= 9u) {
            if (++digits > 9) return std::nullopt;
            nanos = nanos * 10 + (p[pos] - '0');
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        // 10^(9 - digits): the fraction in nanoseconds.
        static constexpr std::int32_t k_scale[] = {
            1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
        nanos *= k_scale[digits];
    }
    std::int64_t offset_seconds = 0;
    if (pos + 1 == n && p[pos] == 'Z') {
        // UTC
    } else if (pos + 6 == n && (p[pos] == '+' || p[pos] == '-') && p[pos + 3] == ':') {
        const int oh = two_digits(p + pos + 1), om = two_digits(p + pos + 4);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return std::nullopt;
        offset_seconds = (oh * 3600 + om * 60) * (p[pos] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    const std::int64_t secs =
        days_since_epoch(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), leap) * 86'400 +
        h * 3'600 + mi * 60 + s - offset_seconds;
    return Timestamp{std::chrono::nanoseconds{secs * 1'000'000'000 + nanos}};
}

}  // namespace rfc3339_detail

namespace {

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

Result<Timestamp> rfc3339_detail::parse_rfc3339_general(std::string_view text) {
    return parse_rfc3339_or(text, k_expected_rfc3339);
}

Result<Timestamp> parse_rfc3339(std::string_view text) {
    if (auto t = rfc3339_detail::parse_rfc3339_fast(text)) return *t;
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
