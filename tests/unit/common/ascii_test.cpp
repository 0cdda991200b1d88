#include "common/ascii.hpp"

#include <gtest/gtest.h>

namespace shiplog::ascii {
namespace {

TEST(Ascii, LowerTouchesOnlyAsciiLetters) {
    EXPECT_EQ(lower("Fabrikam/Web-API_2"), "fabrikam/web-api_2");
    EXPECT_EQ(lower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // "Été": UTF-8 bytes kept
    EXPECT_EQ(lower('Q'), 'q');
    EXPECT_EQ(lower('['), '[');  // 'Z' + 1
    EXPECT_EQ(lower('@'), '@');  // 'A' - 1
}

TEST(Ascii, CaseInsensitiveComparisons) {
    EXPECT_TRUE(iequals("PartiallySucceeded", "partiallysucceeded"));
    EXPECT_FALSE(iequals("failed", "failed "));
    EXPECT_FALSE(iequals("[", "{"));  // differ by 0x20 but are not letters
    EXPECT_TRUE(istarts_with("Bearer abc", "bearer "));
    EXPECT_FALSE(istarts_with("Bear", "bearer"));
    EXPECT_TRUE(iends_with("application/VND.api+JSON", "+json"));
    EXPECT_FALSE(iends_with("json", "+json"));
}

TEST(Ascii, HexChecks) {
    EXPECT_EQ(hex_value('0'), 0);
    EXPECT_EQ(hex_value('F'), 15);
    EXPECT_EQ(hex_value('a'), 10);
    EXPECT_EQ(hex_value('g'), -1);
    EXPECT_EQ(hex_value('/'), -1);
    EXPECT_TRUE(is_hex40("0123456789abcdefABCDEF0123456789abcdef01"));
    EXPECT_FALSE(is_hex40("0123456789abcdefABCDEF0123456789abcdef0"));    // 39
    EXPECT_FALSE(is_hex40("0123456789abcdefABCDEF0123456789abcdef012"));  // 41
    EXPECT_FALSE(is_hex40("g123456789abcdefABCDEF0123456789abcdef01"));
    EXPECT_TRUE(is_hex(""));
}

}  // namespace
}  // namespace shiplog::ascii
