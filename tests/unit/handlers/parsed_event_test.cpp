// The worker -> projector hand-off of typed events (handlers/parsed_event.hpp)
// and the per-thread document reuse behind it (the same body parsed by the
// envelope, then by the typed parser).
#include "handlers/parsed_event.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "handlers/envelope.hpp"
#include "handlers/relevance.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using testing::fixture;
using testing::push_config;

TEST(ParsedEvent, TakeWithNothingCarriedParsesTheRawBytes) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_TRUE(expected) << expected.error().message;
    auto taken = take_push_event(std::any{}, raw);
    ASSERT_TRUE(taken) << taken.error().message;
    EXPECT_EQ(taken->push_id, expected->push_id);
    EXPECT_EQ(taken->commits.size(), expected->commits.size());
    EXPECT_FALSE(carry(ParsedEvent{}).has_value());  // nothing parsed: nothing carried
}

TEST(ParsedEvent, TakeReturnsTheCarriedEventOnce) {
    const std::string raw = fixture("git.push.json");
    auto parsed = parse_push_event(raw);
    ASSERT_TRUE(parsed);
    const std::int64_t real_id = parsed->push_id;
    // A marker the raw bytes do not contain: proves the event was not re-parsed.
    parsed->push_id = real_id + 1000;
    const std::any carried = carry(*parsed);

    auto taken = take_push_event(carried, raw);
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->push_id, real_id + 1000);
    // Spent once taken: the next take parses.
    auto again = take_push_event(carried, raw);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->push_id, real_id);
}

TEST(ParsedEvent, ACarriedEventOfAnotherTypeIsNotUsed) {
    const std::string raw = fixture("git.push.json");
    auto parsed = parse_push_event(raw);
    ASSERT_TRUE(parsed);
    const std::any carried = carry(*parsed);
    EXPECT_FALSE(take_build_event(carried, raw));  // a push is no build: parse fails
    // The push is still there for its own accessor.
    EXPECT_EQ(take_push_event(carried, raw)->push_id, parsed->push_id);
}

TEST(ParsedEvent, ClassifyLeavesTheTypedEventItParsed) {
    const std::string body = fixture("git.push.json");
    auto expected = parse_push_event(body);
    ASSERT_TRUE(expected);
    auto envelope = parse_envelope(body);
    ASSERT_TRUE(envelope) << envelope.error().message;
    ParsedEvent parsed;
    EXPECT_EQ(classify_event(*envelope, body, push_config(*expected), &parsed), Relevance::tracked);
    auto* push = std::get_if<PushEvent>(&parsed);
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->push_id, expected->push_id);
    EXPECT_EQ(push->repository_name, expected->repository_name);
    ASSERT_EQ(push->commits.size(), expected->commits.size());
    for (std::size_t i = 0; i < push->commits.size(); ++i)
        EXPECT_EQ(push->commits[i].commit_id, expected->commits[i].commit_id);
}

TEST(ParsedEvent, ReparsingTheSameBodyOnAThreadGivesTheSameResult) {
    // The second parse of the same std::string rewinds the first document.
    const std::string body = fixture("workitem.updated.json");
    auto first = parse_work_item_event(body);
    auto second = parse_work_item_event(body);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, second->id);
    EXPECT_EQ(first->rev, second->rev);
    EXPECT_EQ(first->team_project, second->team_project);

    // Same address, changed bytes: parsed afresh, not rewound.
    std::string mutable_body = fixture("git.push.json");
    auto before = parse_envelope(mutable_body);
    ASSERT_TRUE(before);
    auto at = mutable_body.find(before->id);
    ASSERT_NE(at, std::string::npos);
    mutable_body[at] = mutable_body[at] == 'a' ? 'b' : 'a';
    auto after = parse_envelope(mutable_body);
    ASSERT_TRUE(after);
    EXPECT_NE(after->id, before->id);
    // Broken bytes at the same address are rejected, not served from the old document.
    mutable_body[0] = '[';
    EXPECT_FALSE(parse_envelope(mutable_body));
}

}  // namespace
}  // namespace shiplog::handlers
