#include "common/secret.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace shiplog {
namespace {

TEST(Secret, MatchesOnlyTheSameBytes) {
    Secret secret("correct horse");
    EXPECT_TRUE(secret.matches("correct horse"));
    EXPECT_FALSE(secret.matches("correct hors"));
    EXPECT_FALSE(secret.matches("correct horse "));
    EXPECT_FALSE(secret.matches("Correct horse"));
    EXPECT_FALSE(secret.matches(""));
}

TEST(Secret, EmptySecretNeverMatches) {
    // An unset password must not let an empty Authorization through.
    Secret empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_FALSE(empty.matches(""));
    EXPECT_FALSE(empty.matches("anything"));
}

TEST(Secret, HandlesEmbeddedNulBytes) {
    Secret secret(std::string("a\0b", 3));
    EXPECT_TRUE(secret.matches(std::string_view("a\0b", 3)));
    EXPECT_FALSE(secret.matches(std::string_view("a\0c", 3)));
    EXPECT_FALSE(secret.matches("a"));
}

TEST(Secret, RevealGivesTheValue) {
    Secret secret("pat");
    EXPECT_EQ(secret.reveal(), "pat");
    EXPECT_FALSE(secret.empty());
}

TEST(ConstantTimeEquals, ComparesWholeValues) {
    EXPECT_TRUE(constant_time_equals("", ""));
    EXPECT_TRUE(constant_time_equals("abc", "abc"));
    EXPECT_FALSE(constant_time_equals("abc", "abd"));
    EXPECT_FALSE(constant_time_equals("abc", "ab"));
    EXPECT_FALSE(constant_time_equals("", "a"));
    std::string long_a(10000, 'x');
    std::string long_b = long_a;
    EXPECT_TRUE(constant_time_equals(long_a, long_b));
    long_b.back() = 'y';
    EXPECT_FALSE(constant_time_equals(long_a, long_b));
}

// A Secret must not be printable by accident: no conversion to string.
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);
static_assert(!std::is_convertible_v<std::string, Secret>, "construction is explicit");

}  // namespace
}  // namespace shiplog
