// The webhook path's single parse: a body read in place by the caller's
// JsonParser, its envelope and typed event read from that one parse, and
// nothing shared between parsers or threads.
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "handlers/envelope.hpp"
#include "handlers/json_parser.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/relevance.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using testing::fixture;
using testing::push_config;

// A body the way the edge leaves it: padding in the capacity.
std::string padded(const std::string& body) {
    std::string out;
    out.reserve(body.size() + k_json_padding);
    out.assign(body);
    return out;
}

// Changes "pushId": 1187 to 9187 in place (same address, same size).
void change_push_id(std::string& body) {
    auto at = body.find("\"pushId\": 1187");
    ASSERT_NE(at, std::string::npos);
    body[at + std::string("\"pushId\": ").size()] = '9';
}

std::int64_t classified_push_id(const Envelope& envelope, const ParsedBody& body,
                                const config::Config& config) {
    ParsedEvent parsed;
    EXPECT_EQ(classify_event(envelope, body, config, &parsed), Relevance::tracked);
    auto* push = std::get_if<PushEvent>(&parsed);
    EXPECT_NE(push, nullptr);
    return push ? push->push_id : -1;
}

TEST(ParseReuse, InPlaceParseGivesTheSameEnvelopeAndEventAsACopy) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    auto copied = parse_envelope(raw);
    ASSERT_OK(copied);
    std::string body = padded(raw);
    JsonParser parser;
    auto parsed_body = parser.parse(body, body.capacity());
    ASSERT_OK(parsed_body);
    auto in_place = parse_envelope(*parsed_body);
    ASSERT_OK(in_place);
    EXPECT_EQ(in_place->id, copied->id);
    EXPECT_EQ(in_place->event_type, copied->event_type);
    EXPECT_EQ(in_place->created_date, copied->created_date);

    ParsedEvent parsed;
    ASSERT_EQ(classify_event(*in_place, *parsed_body, push_config(*expected), &parsed),
              Relevance::tracked);
    auto* push = std::get_if<PushEvent>(&parsed);
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->push_id, expected->push_id);
    EXPECT_EQ(push->date, expected->date);
    ASSERT_EQ(push->commits.size(), expected->commits.size());
    for (std::size_t i = 0; i < push->commits.size(); ++i) {
        EXPECT_EQ(push->commits[i].commit_id, expected->commits[i].commit_id);
        EXPECT_EQ(push->commits[i].author_date, expected->commits[i].author_date);
        EXPECT_EQ(push->commits[i].comment, expected->commits[i].comment);
    }
}

// The typed event is read from the ParsedBody, not from the bytes again:
// changing the bytes in place after the parse (which callers must not do)
// shows which one classify_event read.
TEST(ParseReuse, ClassifyReadsTheParseItIsGiven) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    const auto config = push_config(*expected);
    std::string body = padded(raw);
    JsonParser parser;
    auto parsed_body = parser.parse(body, body.capacity());
    ASSERT_OK(parsed_body);
    auto envelope = parse_envelope(*parsed_body);
    ASSERT_OK(envelope);
    change_push_id(body);
    EXPECT_EQ(classified_push_id(*envelope, *parsed_body, config), 1187);
    // The raw-bytes overload parses what it is given.
    ParsedEvent parsed;
    ASSERT_EQ(classify_event(*envelope, std::string_view(body), config, &parsed),
              Relevance::tracked);
    ASSERT_NE(std::get_if<PushEvent>(&parsed), nullptr);
    EXPECT_EQ(std::get<PushEvent>(parsed).push_id, 9187);
}

// A parse replaced by the parser's next one is refused, never read as the
// other body.
TEST(ParseReuse, AStaleParseIsRefused) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    JsonParser parser;
    std::string body = padded(raw);
    auto first = parser.parse(body, body.capacity());
    ASSERT_OK(first);
    auto envelope = parse_envelope(*first);
    ASSERT_OK(envelope);
    ASSERT_OK(parser.parse(fixture("build.complete.json")));
    auto stale = parse_envelope(*first);
    ASSERT_FALSE(stale.has_value());
    EXPECT_NE(stale.error().message.find("replaced"), std::string::npos) << stale.error().message;
    ParsedEvent parsed;
    EXPECT_EQ(classify_event(*envelope, *first, push_config(*expected), &parsed),
              Relevance::ignored);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(parsed));

    auto again = parser.parse(body, body.capacity());
    ASSERT_OK(again);
    parser.release_memory(0);
    EXPECT_FALSE(parse_envelope(*again).has_value());
}

// Two parsers on one thread, or one per thread: each keeps its own body.
TEST(ParseReuse, ParsersDoNotShareTheirBodies) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    const auto config = push_config(*expected);
    std::string body = padded(raw);
    std::string changed = padded(raw);
    change_push_id(changed);

    JsonParser a, b;
    auto parsed_a = a.parse(body, body.capacity());
    auto parsed_b = b.parse(changed, changed.capacity());
    ASSERT_OK(parsed_a);
    ASSERT_OK(parsed_b);
    auto envelope = parse_envelope(*parsed_a);
    ASSERT_OK(envelope);
    EXPECT_EQ(classified_push_id(*envelope, *parsed_a, config), 1187);
    EXPECT_EQ(classified_push_id(*envelope, *parsed_b, config), 9187);

    std::int64_t other_thread = 0;
    std::thread([&] {
        JsonParser mine;
        auto parsed = mine.parse(changed, changed.capacity());
        ASSERT_OK(parsed);
        other_thread = classified_push_id(*envelope, *parsed, config);
    }).join();
    EXPECT_EQ(other_thread, 9187);
    EXPECT_EQ(classified_push_id(*envelope, *parsed_a, config), 1187);
}

}  // namespace
}  // namespace shiplog::handlers
