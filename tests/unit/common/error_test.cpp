#include "common/error.hpp"

#include <gtest/gtest.h>

namespace shiplog {
namespace {

TEST(OneLine, LeavesPrintableMessagesAlone) {
    EXPECT_EQ(one_line("sha: \"abc\" is not a 40-hex commit id"),
              "sha: \"abc\" is not a 40-hex commit id");
    EXPECT_EQ(one_line("utf-8 stays: é→"), "utf-8 stays: é→");
}

TEST(OneLine, EscapesControlCharacters) {
    EXPECT_EQ(one_line("a\nb\rc\td"), "a\\nb\\rc\\td");
    EXPECT_EQ(one_line(std::string("x\x01y\x7fz\0w", 7)), "x\\x01y\\x7fz\\x00w");
}

// Regression (fuzz/corpus/register_deploy_request_fuzzer): an invalid sha
// with a newline was echoed verbatim into a two-line error message.
TEST(OneLine, FailNeverProducesAMultiLineMessage) {
    Result<int> result =
        fail(ErrorCode::invalid_argument, "sha: \"1539218\n\" is not a 40-hex commit id");
    ASSERT_FALSE(result);
    const Error& error = result.error();
    EXPECT_EQ(error.message.find('\n'), std::string::npos);
    EXPECT_EQ(error.message, "sha: \"1539218\\n\" is not a 40-hex commit id");
}

}  // namespace
}  // namespace shiplog
