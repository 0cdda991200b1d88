#include "common/time_format.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/expect_ok.hpp"

namespace shiplog {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

Timestamp at(year_month_day ymd, nanoseconds since_midnight = 0ns) {
    return Timestamp{sys_days{ymd}} + since_midnight;
}

TEST(ParseRfc3339, UtcWithZ) {
    auto t = parse_rfc3339("2026-11-01T10:00:00Z");
    ASSERT_OK(t);
    EXPECT_EQ(*t, at(2026y / 11 / 1, 10h));
    EXPECT_EQ(parse_rfc3339("2026-11-01t10:00:00z").value(), *t);
    EXPECT_EQ(parse_rfc3339("2026-11-01 10:00:00Z").value(), *t);
}

TEST(ParseRfc3339, NoOffsetMeansUtc) {
    auto t = parse_rfc3339("2026-11-01T10:00:00");
    ASSERT_OK(t);
    EXPECT_EQ(*t, at(2026y / 11 / 1, 10h));
}

TEST(ParseRfc3339, FractionsKeepFullPrecision) {
    // Azure DevOps sends 100 ns precision.
    auto t = parse_rfc3339("2016-09-19T13:03:27.2879096Z");
    ASSERT_OK(t);
    EXPECT_EQ(*t, at(2016y / 9 / 19, 13h + 3min + 27s + 287909600ns));
    EXPECT_EQ(parse_rfc3339("2016-09-19T13:03:27.5Z").value(),
              at(2016y / 9 / 19, 13h + 3min + 27s + 500ms));
    EXPECT_EQ(parse_rfc3339("2016-09-19T13:03:27.000000001Z").value(),
              at(2016y / 9 / 19, 13h + 3min + 27s + 1ns));
    // Digits past nanoseconds are dropped, not rounded.
    EXPECT_EQ(parse_rfc3339("2016-09-19T13:03:27.1234567899Z").value(),
              at(2016y / 9 / 19, 13h + 3min + 27s + 123456789ns));
}

TEST(ParseRfc3339, Offsets) {
    EXPECT_EQ(parse_rfc3339("2026-11-01T10:00:00+02:00").value(), at(2026y / 11 / 1, 8h));
    EXPECT_EQ(parse_rfc3339("2026-11-01T10:00:00-05:30").value(), at(2026y / 11 / 1, 15h + 30min));
    EXPECT_EQ(parse_rfc3339("2026-11-01T01:00:00+02:00").value(), at(2026y / 10 / 31, 23h));
    EXPECT_EQ(parse_rfc3339("2026-11-01T10:00:00.25+00:00").value(),
              at(2026y / 11 / 1, 10h + 250ms));
    EXPECT_EQ(parse_rfc3339("2026-11-01T10:00:00-00:00").value(), at(2026y / 11 / 1, 10h));
}

TEST(ParseRfc3339, LeapSecondRollsIntoTheNextMinute) {
    EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z").value(), at(2017y / 1 / 1));
}

TEST(ParseRfc3339, RejectsMalformedInput) {
    for (const char* text : {
             "",
             "2026-11-01",  // a date is only for the command line
             "2026-11-01T10:00Z",
             "2026-11-01T10:00:00.Z",
             "2026-11-01T10:00:00+2:00",
             "2026-11-01T10:00:00+0200",
             "2026-11-01T10:00:00+02:00x",
             "2026-11-01T10:00:00ZZ",
             "2026-11-01T10:00:00 Z",
             "2026-13-01T10:00:00Z",
             "2026-02-29T10:00:00Z",  // not a leap year
             "2026-04-31T10:00:00Z",
             "2026-00-10T10:00:00Z",
             "2026-11-00T10:00:00Z",
             "2026-11-01T24:00:00Z",
             "2026-11-01T10:60:00Z",
             "2026-11-01T10:00:61Z",
             "2026-11-01T10:00:00+24:00",
             "2026-11-01X10:00:00Z",
             "2026/11/01T10:00:00Z",
             "+2026-11-01T10:00:00Z",
             "２026-11-01T10:00:00Z",
         }) {
        SCOPED_TRACE(text);
        auto t = parse_rfc3339(text);
        ASSERT_FALSE(t);
        EXPECT_EQ(t.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(t.error().message.find("is not an RFC 3339 time"), std::string::npos)
            << t.error().message;
    }
    EXPECT_TRUE(parse_rfc3339("2024-02-29T10:00:00Z"));  // a leap year
}

TEST(ParseRfc3339, MessageIsOneEscapedLine) {
    auto t = parse_rfc3339("2026-11-01\nT10:00:00Z\x1b[31m");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(t.error().message.find('\x1b'), std::string::npos);
    EXPECT_EQ(t.error().message.rfind("\"2026-11-01\\x0aT10:00:00Z\\x1b[31m\" is not", 0), 0u)
        << t.error().message;
    auto long_input = parse_rfc3339(std::string(500, '9'));
    ASSERT_FALSE(long_input);
    EXPECT_LT(long_input.error().message.size(), 200u);
}

TEST(ParseRfc3339, RangeOfTimestamp) {
    // Timestamp is int64 nanoseconds: about 1677-09-21 .. 2262-04-11.
    EXPECT_TRUE(parse_rfc3339("2262-04-11T23:47:15.999999999Z"));
    EXPECT_TRUE(parse_rfc3339("1677-09-21T00:12:44Z"));
    for (const char* text :
         {"2262-04-11T23:47:16Z", "1677-09-21T00:12:43Z", "9999-12-31T23:59:59Z",
          "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"}) {
        SCOPED_TRACE(text);
        auto t = parse_rfc3339(text);
        ASSERT_FALSE(t);
        EXPECT_NE(t.error().message.find("out of the supported range"), std::string::npos)
            << t.error().message;
    }
}

TEST(ParseCliTime, DateMeansMidnightUtc) {
    EXPECT_EQ(parse_cli_time("2026-11-01").value(), at(2026y / 11 / 1));
    EXPECT_EQ(parse_cli_time("2024-02-29").value(), at(2024y / 2 / 29));
}

TEST(ParseCliTime, AcceptsRfc3339Too) {
    EXPECT_EQ(parse_cli_time("2026-11-01T00:00:00Z").value(), at(2026y / 11 / 1));
    EXPECT_EQ(parse_cli_time("2026-11-01T12:30:00+01:00").value(), at(2026y / 11 / 1, 11h + 30min));
}

TEST(ParseCliTime, RejectsWithBothFormsNamed) {
    for (const char* text : {"", "2026-11", "2026-11-1", "2026-02-30", "2026-11-01T", "yesterday",
                             "20261101", "2026-11-01T10:00:00+01"}) {
        SCOPED_TRACE(text);
        auto t = parse_cli_time(text);
        ASSERT_FALSE(t);
        EXPECT_NE(t.error().message.find("is not a date (2026-11-01) or an RFC 3339 time"),
                  std::string::npos)
            << t.error().message;
    }
    auto far = parse_cli_time("9999-12-31");
    ASSERT_FALSE(far);
    EXPECT_NE(far.error().message.find("out of the supported range"), std::string::npos)
        << far.error().message;
}

TEST(FormatRfc3339, WholeSecondsWithZ) {
    EXPECT_EQ(format_rfc3339(at(2026y / 11 / 20, 10h)), "2026-11-20T10:00:00Z");
    EXPECT_EQ(format_rfc3339(at(1970y / 1 / 1)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(at(2024y / 2 / 29, 23h + 59min + 59s)), "2024-02-29T23:59:59Z");
}

TEST(FormatRfc3339, TruncatesTowardsThePast) {
    EXPECT_EQ(format_rfc3339(at(2026y / 11 / 20, 10h + 999999999ns)), "2026-11-20T10:00:00Z");
    // Before the epoch, truncation still goes down, not towards zero.
    EXPECT_EQ(format_rfc3339(Timestamp{-1ns}), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339(Timestamp{-1s}), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339(Timestamp{-1s - 1ns}), "1969-12-31T23:59:58Z");
}

TEST(FormatRfc3339, ExtremesOfTimestamp) {
    EXPECT_EQ(format_rfc3339(Timestamp::max()), "2262-04-11T23:47:16Z");
    EXPECT_EQ(format_rfc3339(Timestamp::min()), "1677-09-21T00:12:43Z");
}

TEST(FormatRfc3339, RoundTripsParsedTimes) {
    for (const char* text :
         {"2026-11-01T10:00:00Z", "2016-09-19T13:03:27.2879096Z", "2026-11-01T10:00:00+02:00",
          "1969-12-31T23:59:59.5Z", "2000-02-29T00:00:00Z"}) {
        SCOPED_TRACE(text);
        auto t = parse_rfc3339(text);
        ASSERT_OK(t);
        auto again = parse_rfc3339(format_rfc3339(*t));
        ASSERT_OK(again);
        EXPECT_EQ(*again, floor<seconds>(*t));
    }
}

}  // namespace
}  // namespace shiplog
