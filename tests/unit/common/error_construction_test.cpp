// Every way of making an Error is one line, not only fail(): direct
// constructions carry exception texts (journal_writer's e.what()), LMDB
// strings and remote servers' reasons (azure http_client), which a log line
// must not split.
#include <gtest/gtest.h>

#include <optional>

#include "common/error.hpp"

namespace shiplog {
namespace {

TEST(ErrorConstruction, BracedConstructionEscapesControlCharacters) {
    const Error error{ErrorCode::store, std::string("commit a batch: ") + "boom\nFAKE LINE\r"};
    EXPECT_EQ(error.code, ErrorCode::store);
    EXPECT_EQ(error.message, "commit a batch: boom\\nFAKE LINE\\r");
}

TEST(ErrorConstruction, CopyListInitialisationIsSanitisedToo) {
    // `return {code, text};` and `last = {code, text};` as used by call sites.
    auto make = []() -> Error { return {ErrorCode::remote, "HTTP 400: reason\nsecond"}; };
    EXPECT_EQ(make().message, "HTTP 400: reason\\nsecond");
    std::optional<Error> last;
    last = Error{ErrorCode::unavailable, "a\tb"};
    EXPECT_EQ(last->message, "a\\tb");
}

TEST(ErrorConstruction, FailDoesNotEscapeTwice) {
    Status status = fail(ErrorCode::io, "x\ny");
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message, "x\\ny");
}

}  // namespace
}  // namespace shiplog
