// The webhook path's single parse: a body read in place (parse_envelope_padded),
// its parse reused by classify_event for the envelope it came from (and only
// for that one), and the hand-off table between worker and projector with
// many events in flight.
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "handlers/envelope.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/relevance.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using testing::fixture;

// A body the way http::read_body_capped leaves it: padding in the capacity.
std::string padded(const std::string& body) {
    std::string out;
    out.reserve(body.size() + k_json_padding);
    out.assign(body);
    return out;
}

config::Config push_config(const PushEvent& push) {
    config::DeploymentConfig d;
    d.name = "web-api";
    d.environment = "production";
    d.project = push.project_name;
    d.repository = push.repository_name;
    d.branch = push.ref_updates.at(0).name.substr(std::string("refs/heads/").size());
    config::Config config;
    config.deployments.push_back(d);
    return config;
}

// Changes "pushId": 1187 to 9187 in place (same address, same size).
void change_push_id(std::string& body) {
    auto at = body.find("\"pushId\": 1187");
    ASSERT_NE(at, std::string::npos);
    body[at + std::string("\"pushId\": ").size()] = '9';
}

std::int64_t classified_push_id(const Envelope& envelope, const std::string& body,
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
    auto in_place = parse_envelope_padded(body, body.capacity());
    ASSERT_OK(in_place);
    EXPECT_EQ(in_place->id, copied->id);
    EXPECT_EQ(in_place->event_type, copied->event_type);
    EXPECT_EQ(in_place->created_date, copied->created_date);
    EXPECT_NE(in_place->parse_id, 0u);
    EXPECT_NE(in_place->parse_id, copied->parse_id);

    ParsedEvent parsed;
    ASSERT_EQ(classify_event(*in_place, body, push_config(*expected), &parsed), Relevance::tracked);
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

// classify_event's contract: the body is the one its envelope was parsed
// from, unchanged. Breaking it on purpose shows the parse was reused (the
// old bytes' push id), and that nothing else reuses it.
TEST(ParseReuse, ClassifyReusesOnlyTheParseItsEnvelopeCameFrom) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    const auto config = push_config(*expected);
    std::string body = padded(raw);
    auto envelope = parse_envelope_padded(body, body.capacity());
    ASSERT_OK(envelope);
    change_push_id(body);

    // The envelope's own parse, still the thread's latest: reused.
    EXPECT_EQ(classified_push_id(*envelope, body, config), 1187);
    // An envelope built by hand vouches for no parse: the bytes are read.
    Envelope by_hand;
    by_hand.id = envelope->id;
    by_hand.event_type = envelope->event_type;
    by_hand.kind = envelope->kind;
    EXPECT_EQ(classified_push_id(by_hand, body, config), 9187);
    // Nor does a typed parser on its own reuse an in-place parse (there is no
    // copy to compare with).
    std::string again = padded(raw);
    ASSERT_OK(parse_envelope_padded(again, again.capacity()));
    change_push_id(again);
    auto direct = parse_push_event(again);
    ASSERT_OK(direct);
    EXPECT_EQ(direct->push_id, 9187);
}

TEST(ParseReuse, AnotherParseInBetweenIsNotReused) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    const auto config = push_config(*expected);
    std::string body = padded(raw);
    auto envelope = parse_envelope_padded(body, body.capacity());
    ASSERT_OK(envelope);
    ASSERT_OK(parse_envelope(fixture("build.complete.json")));  // the thread parses something else
    change_push_id(body);
    EXPECT_EQ(classified_push_id(*envelope, body, config), 9187);
}

TEST(ParseReuse, AnEnvelopeFromAnotherThreadIsNotReused) {
    const std::string raw = fixture("git.push.json");
    auto expected = parse_push_event(raw);
    ASSERT_OK(expected);
    const auto config = push_config(*expected);
    std::string body = padded(raw);
    // This thread's latest parse is of `body`, at the same address and size.
    ASSERT_OK(parse_envelope_padded(body, body.capacity()));
    Envelope other;
    std::thread([&] {
        auto envelope = parse_envelope_padded(body, body.capacity());
        ASSERT_OK(envelope);
        other = *envelope;
    }).join();
    ASSERT_NE(other.parse_id, 0u);
    change_push_id(body);
    EXPECT_EQ(classified_push_id(other, body, config), 9187);
}

}  // namespace
}  // namespace shiplog::handlers
