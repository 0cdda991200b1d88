// Differential test of parse_rfc3339's fast path (the shapes Azure DevOps
// sends) against its general path: for every input, parse_rfc3339 must give
// exactly what the general path gives (the same time, or the same error),
// and the fast path may only ever accept what the general path accepts, with
// the same result.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/time_format.hpp"

namespace shiplog {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// Checks one input; returns true when the fast path took it.
bool check(const std::string& text) {
    SCOPED_TRACE(text);
    auto fast = rfc3339_detail::parse_rfc3339_fast(text);
    auto general = rfc3339_detail::parse_rfc3339_general(text);
    auto full = parse_rfc3339(text);
    if (fast) {
        EXPECT_TRUE(general) << "fast path accepted what the general path rejects: "
                             << general.error().message;
        if (general) {
            EXPECT_EQ(*fast, *general);
        }
    }
    EXPECT_EQ(full.has_value(), general.has_value());
    if (full && general) {
        EXPECT_EQ(*full, *general);
    }
    if (!full && !general) {
        EXPECT_EQ(full.error().code, general.error().code);
        EXPECT_EQ(full.error().message, general.error().message);
    }
    return fast.has_value();
}

std::string date_time(int y, int mo, int d, int h, int mi, int s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    return buf;
}

TEST(ParseRfc3339Fast, TakesTheShapesAzureDevOpsSends) {
    for (const char* text : {
             "2026-11-27T10:11:12Z",
             "2016-09-19T13:03:27.2879096Z",
             "2016-09-19T13:03:27.5Z",
             "2016-09-19T13:03:27.123456789Z",
             "2026-11-01T10:00:00+02:00",
             "2026-11-01T10:00:00-05:30",
             "2026-11-01T10:00:00.25+00:00",
             "2024-02-29T23:59:59Z",
             "2016-12-31T23:59:60Z",
         }) {
        EXPECT_TRUE(check(text)) << text;
    }
}

TEST(ParseRfc3339Fast, LeavesOtherShapesToTheGeneralPath) {
    for (const char* text : {
             "2026-11-01t10:00:00z",
             "2026-11-01 10:00:00Z",
             "2026-11-01T10:00:00",              // no zone: UTC, general path
             "2016-09-19T13:03:27.1234567899Z",  // > 9 fraction digits
             "2262-04-11T23:47:16Z",             // out of range
             "1677-09-21T00:12:43Z",             // out of range
             "2026-11-01T10:00:00.Z",
             "2026-02-29T10:00:00Z",
         }) {
        EXPECT_FALSE(check(text)) << text;
    }
}

// Every calendar edge: years around leap rules and Timestamp's range,
// months and days just inside and outside their bounds, times at their
// limits (a leap second 60 included), every fraction length and zone form.
TEST(ParseRfc3339Fast, AgreesWithTheGeneralPathOnCalendarEdges) {
    const int years[] = {0,    1,    4,    100,  400,  1600, 1676, 1677, 1678, 1700, 1900, 1969,
                         1970, 2000, 2023, 2024, 2026, 2100, 2261, 2262, 2263, 2400, 9999};
    const int months[] = {0, 1, 2, 3, 4, 9, 11, 12, 13, 99};
    const int days[] = {0, 1, 28, 29, 30, 31, 32, 99};
    const int times[][3] = {{0, 0, 0},   {23, 59, 59}, {23, 59, 60}, {23, 59, 61}, {24, 0, 0},
                            {0, 60, 0},  {12, 44, 43}, {12, 44, 44}, {23, 47, 15}, {23, 47, 16},
                            {0, 12, 43}, {0, 12, 44},  {99, 99, 99}};
    const char* tails[] = {"Z",
                           "z",
                           "",
                           ".1Z",
                           ".123Z",
                           ".1234567Z",
                           ".999999999Z",
                           ".0000000001Z",
                           ".Z",
                           "+00:00",
                           "-00:00",
                           "+23:59",
                           "-23:59",
                           "+24:00",
                           "+02:60",
                           "+0200",
                           "+2:00",
                           ".5-05:30",
                           "ZZ",
                           "Z ",
                           "+02:00x",
                           " Z"};
    int taken = 0, total = 0;
    for (int y : years)
        for (int mo : months)
            for (int d : days)
                for (const auto& t : times)
                    for (const char* tail : tails) {
                        taken += check(date_time(y, mo, d, t[0], t[1], t[2]) + tail);
                        ++total;
                    }
    // The fast path is used for most valid inputs, not silently never.
    EXPECT_GT(taken, total / 20);
}

// Random single- and double-byte corruptions of valid times: digits, signs,
// separators, letters and non-ASCII bytes at every position, and cuts.
TEST(ParseRfc3339Fast, AgreesWithTheGeneralPathOnCorruptedInput) {
    const std::vector<std::string> seeds = {
        "2026-11-27T10:11:12Z",      "2016-09-19T13:03:27.2879096Z",
        "2026-11-01T10:00:00+02:00", "2024-02-29T00:00:00.5-05:30",
        "1677-09-21T00:12:44Z",      "2262-04-11T23:47:15.999999999Z",
    };
    const std::string alphabet = std::string("0123456789-:.+TtZz /\x7f\xff\0", 23);
    std::mt19937 rng(20261128);
    for (int round = 0; round < 20000; ++round) {
        std::string text = seeds[rng() % seeds.size()];
        int edits = 1 + static_cast<int>(rng() % 2);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            std::size_t at = rng() % text.size();
            switch (rng() % 4) {
                case 0:
                    text[at] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    text.erase(at, 1);
                    break;
                case 2:
                    text.insert(text.begin() + static_cast<std::ptrdiff_t>(at),
                                alphabet[rng() % alphabet.size()]);
                    break;
                default:
                    text.resize(at);
                    break;
            }
        }
        check(text);
        if (::testing::Test::HasFailure()) return;  // one trace is enough
    }
}

// Every day of four years (one a leap year) at the fast path's precision.
TEST(ParseRfc3339Fast, EveryDayOfALeapCycle) {
    for (sys_days day = sys_days{2023y / 1 / 1}; day < sys_days{2027y / 1 / 1}; day += days{1}) {
        year_month_day ymd{day};
        std::string text =
            date_time(static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                      static_cast<int>(unsigned(ymd.day())), 10, 11, 12) +
            ".1234567Z";
        ASSERT_TRUE(check(text));
        EXPECT_EQ(*parse_rfc3339(text), Timestamp{day} + 10h + 11min + 12s + 123456700ns);
    }
}

}  // namespace
}  // namespace shiplog
