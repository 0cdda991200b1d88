#include "common/cli_time.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "common/time_format.hpp"

namespace shiplog {
namespace {

// Longer spans than this would leave Timestamp's range (about 292 years
// from 1970) for any `now` near today; nobody means them.
constexpr std::int64_t k_max_span_seconds = std::int64_t{100} * 366 * 86'400;

}  // namespace

std::optional<std::chrono::seconds> parse_span(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    std::int64_t unit = 0;
    switch (text.back()) {
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3'600;
            break;
        case 'd':
            unit = 86'400;
            break;
        case 'w':
            unit = 7 * 86'400;
            break;
        default:
            return std::nullopt;
    }
    const auto digits = text.substr(0, text.size() - 1);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n <= 0 ||
        n > k_max_span_seconds / unit)
        return std::nullopt;
    return std::chrono::seconds{n * unit};
}

Result<Timestamp> parse_cli_time_at(std::string_view text, Timestamp now) {
    if (auto span = parse_span(text)) return now - *span;
    auto parsed = parse_cli_time(text);
    if (parsed) return parsed;
    // Name the span form too, but keep parse_cli_time's quoting of the value
    // (and its range message, which is about a date that did parse).
    auto message = parsed.error().message;
    if (auto at = message.find(" is not a date"); at != std::string::npos)
        message = message.substr(0, at) +
                  " is not a span back from now (90m, 36h, 7d, 2w), a date (2026-11-01) or an "
                  "RFC 3339 time (2026-11-01T00:00:00Z)";
    return fail(parsed.error().code, message);
}

std::string format_duration(std::chrono::seconds d) {
    std::int64_t total = d.count();
    std::string sign;
    if (total < 0) {
        sign = "-";
        total = total == std::numeric_limits<std::int64_t>::min()
                    ? std::numeric_limits<std::int64_t>::max()
                    : -total;
    }
    const std::int64_t days = total / 86'400, hours = total % 86'400 / 3'600,
                       minutes = total % 3'600 / 60, seconds = total % 60;
    char buf[64];
    if (days > 0)
        std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(days),
                      static_cast<long long>(hours));
    else if (hours > 0)
        std::snprintf(buf, sizeof buf, "%lldh %lldm", static_cast<long long>(hours),
                      static_cast<long long>(minutes));
    else if (minutes > 0)
        std::snprintf(buf, sizeof buf, "%lldm %llds", static_cast<long long>(minutes),
                      static_cast<long long>(seconds));
    else
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
    return sign + buf;
}

std::string format_percent(double rate) {
    if (!std::isfinite(rate)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", rate * 100.0);
    std::string text = buf;
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0)
        text.resize(text.size() - 2);
    if (text == "-0") text = "0";
    return text + "%";
}

}  // namespace shiplog
