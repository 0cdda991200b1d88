#include "common/cli_time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace shiplog {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// A fixed "now" that is not midnight, so that spans and dates differ.
const Timestamp k_now = Timestamp{sys_days{2026y / 11 / 20}} + 10h + 30min + 15s + 500ms;

TEST(ParseSpan, EachUnit) {
    EXPECT_EQ(parse_span("90m"), seconds{90 * 60});
    EXPECT_EQ(parse_span("36h"), seconds{36 * 3600});
    EXPECT_EQ(parse_span("7d"), seconds{7 * 86400});
    EXPECT_EQ(parse_span("2w"), seconds{14 * 86400});
    EXPECT_EQ(parse_span("1m"), seconds{60});
}

TEST(ParseSpan, RejectsEverythingElse) {
    for (const char* text : {"", "d", "7", "0d", "-7d", "+7d", "7D", "7 d", " 7d", "7dd", "7s",
                             "1.5d", "7y", "2026-11-01", "99999999999999999999d", "40000d"}) {
        SCOPED_TRACE(text);
        EXPECT_FALSE(parse_span(text));
    }
}

TEST(ParseCliTimeAt, SpansCountBackFromNow) {
    EXPECT_EQ(parse_cli_time_at("7d", k_now).value(), k_now - days{7});
    EXPECT_EQ(parse_cli_time_at("36h", k_now).value(), k_now - 36h);
    EXPECT_EQ(parse_cli_time_at("2w", k_now).value(), k_now - days{14});
    EXPECT_EQ(parse_cli_time_at("90m", k_now).value(), k_now - 90min);
}

TEST(ParseCliTimeAt, DatesAndRfc3339IgnoreNow) {
    EXPECT_EQ(parse_cli_time_at("2026-11-01", k_now).value(), Timestamp{sys_days{2026y / 11 / 1}});
    EXPECT_EQ(parse_cli_time_at("2026-11-01T12:00:00Z", k_now).value(),
              Timestamp{sys_days{2026y / 11 / 1}} + 12h);
    EXPECT_EQ(parse_cli_time_at("2026-11-01T12:00:00", k_now).value(),
              Timestamp{sys_days{2026y / 11 / 1}} + 12h);
}

TEST(ParseCliTimeAt, ErrorNamesAllThreeForms) {
    for (const char* text : {"yesterday", "7s", "0d", "2026-13-01", ""}) {
        SCOPED_TRACE(text);
        auto t = parse_cli_time_at(text, k_now);
        ASSERT_FALSE(t);
        const auto& m = t.error().message;
        EXPECT_EQ(m.rfind("\"" + std::string(text) +
                              "\" is not a span back from now (90m, 36h, "
                              "7d, 2w), a date (2026-11-01) or an RFC "
                              "3339 time",
                          0),
                  0u)
            << m;
    }
    auto far = parse_cli_time_at("9999-12-31", k_now);
    ASSERT_FALSE(far);
    EXPECT_NE(far.error().message.find("out of the supported range"), std::string::npos)
        << far.error().message;
}

TEST(FormatDuration, TwoLargestUnits) {
    EXPECT_EQ(format_duration(0s), "0s");
    EXPECT_EQ(format_duration(45s), "45s");
    EXPECT_EQ(format_duration(12min + 5s), "12m 5s");
    EXPECT_EQ(format_duration(3h + 5min + 59s), "3h 5m");
    EXPECT_EQ(format_duration(days{2} + 4h + 59min), "2d 4h");
    EXPECT_EQ(format_duration(days{1}), "1d 0h");
    EXPECT_EQ(format_duration(days{400}), "400d 0h");
    EXPECT_EQ(format_duration(-90s), "-1m 30s");
}

TEST(FormatPercent, OneDecimalWithoutTrailingZero) {
    EXPECT_EQ(format_percent(0.119), "11.9%");
    EXPECT_EQ(format_percent(0.0), "0%");
    EXPECT_EQ(format_percent(1.0), "100%");
    EXPECT_EQ(format_percent(0.5), "50%");
    EXPECT_EQ(format_percent(1.0 / 3.0), "33.3%");
    EXPECT_EQ(format_percent(0.00049), "0%");
}

}  // namespace
}  // namespace shiplog
