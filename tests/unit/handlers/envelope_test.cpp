#include "handlers/envelope.hpp"
#include "handlers/json_parser.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/time_format.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using testing::fixture;

std::string error_of(std::string_view body) {
    auto envelope = parse_envelope(body);
    EXPECT_FALSE(envelope.has_value()) << body;
    if (envelope) return "";
    EXPECT_EQ(envelope.error().code, ErrorCode::invalid_argument);
    return envelope.error().message;
}

TEST(Envelope, ReadsEveryFieldOfARealisticDelivery) {
    auto envelope = parse_envelope(fixture("git.push.json"));
    ASSERT_OK(envelope);
    EXPECT_EQ(envelope->id, "5f0c2a8e-91d4-4b7a-a3e6-0c8d1f2b4e71");
    EXPECT_EQ(envelope->event_type, "git.push");
    EXPECT_EQ(envelope->publisher_id, "tfs");
    EXPECT_EQ(envelope->resource_version, "1.0");
    EXPECT_EQ(envelope->subscription_id, "1273fa09-607e-43ed-afa0-15b3fd3af9e8");
    EXPECT_EQ(envelope->notification_id, 4211);
    ASSERT_TRUE(envelope->created_date.has_value());
    EXPECT_EQ(*envelope->created_date, parse_rfc3339("2026-11-19T16:42:31.4407812Z").value());
    EXPECT_FALSE(is_test_delivery(*envelope));
}

TEST(Envelope, MinimalBodyNeedsOnlyIdAndEventType) {
    auto envelope = parse_envelope(R"({"id":"e1","eventType":"something.new"})");
    ASSERT_OK(envelope);
    EXPECT_EQ(envelope->id, "e1");
    EXPECT_EQ(envelope->event_type, "something.new");
    EXPECT_EQ(envelope->publisher_id, "");
    EXPECT_EQ(envelope->subscription_id, "");
    EXPECT_FALSE(envelope->created_date.has_value());
    EXPECT_FALSE(envelope->notification_id.has_value());
}

TEST(Envelope, IsLiberalAboutOptionalFields) {
    auto envelope = parse_envelope(
        R"({"id":"e1","eventType":"git.push","createdDate":"yesterday","notificationId":"17",)"
        R"("publisherId":42,"subscriptionId":null,"resourceVersion":["x"],"resource":null})");
    ASSERT_OK(envelope);
    EXPECT_FALSE(envelope->created_date.has_value());
    EXPECT_EQ(envelope->notification_id, 17);
    EXPECT_EQ(envelope->publisher_id, "");
    EXPECT_EQ(envelope->subscription_id, "");
    EXPECT_EQ(envelope->resource_version, "");

    auto fractional = parse_envelope(R"({"id":"e1","eventType":"x","notificationId":1.5})");
    ASSERT_OK(fractional);
    EXPECT_FALSE(fractional->notification_id.has_value());
}

TEST(Envelope, RejectsWhatIsNotOneJsonObject) {
    EXPECT_EQ(error_of(""), "body is not valid JSON");
    EXPECT_EQ(error_of("   "), "body is not valid JSON");
    EXPECT_EQ(error_of("{"), "body is not valid JSON");
    EXPECT_EQ(error_of("[1,2]"), "body is not a JSON object");
    EXPECT_EQ(error_of("\"id\""), "body is not a JSON object");
    EXPECT_EQ(error_of("42"), "body is not a JSON object");
    EXPECT_NE(error_of(R"({"id":"a","eventType":"b"} {"id":"c"})").find("body is not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"id":"a","eventType":"b"}x)").find("body is not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"id":"a","eventType":"b"}})").find("body is not valid JSON"),
              std::string::npos);
}

TEST(Envelope, RejectsInvalidJsonAnywhereInTheBody) {
    // On-Demand parsing reads lazily; the envelope still validates it all.
    EXPECT_EQ(error_of(R"({"id":"a","eventType":"b","resource":{"x":tru}})"),
              "body is not valid JSON");
    EXPECT_EQ(error_of(R"({"id":"a","eventType":"b","resource":[1,,2]})"),
              "body is not valid JSON");
    EXPECT_EQ(error_of(R"({"id":"a","eventType":"b","resource":{"x":"\q"}})"),
              "body is not valid JSON");
    EXPECT_EQ(error_of(R"({"id":"a","eventType":"b","n":01})"), "body is not valid JSON");
    EXPECT_EQ(error_of("{\"id\":\"a\",\"eventType\":\"b\",\"s\":\"\xff\"}"),
              "body is not valid JSON");
}

TEST(Envelope, NamesTheMissingRequiredField) {
    EXPECT_EQ(error_of(R"({"eventType":"git.push"})"), "missing string field \"id\"");
    EXPECT_EQ(error_of(R"({"id":"e1"})"), "missing string field \"eventType\"");
    EXPECT_EQ(error_of(R"({"id":7,"eventType":"git.push"})"), "field \"id\" is not a string");
    EXPECT_EQ(error_of(R"({"id":"e1","eventType":null})"), "field \"eventType\" is not a string");
    EXPECT_EQ(error_of(R"({"id":"e1","eventType":""})"), "empty string field \"eventType\"");
    EXPECT_EQ(error_of(R"({"id":"","eventType":"git.push"})"), "empty string field \"id\"");
}

TEST(Envelope, FirstOfDuplicatedKeysWins) {
    auto envelope = parse_envelope(R"({"id":"first","eventType":"x","id":"second"})");
    ASSERT_OK(envelope);
    EXPECT_EQ(envelope->id, "first");
}

TEST(Envelope, UnescapesStrings) {
    auto envelope = parse_envelope(R"({"id":"a\u00e9\"b","eventType":"x"})");
    ASSERT_OK(envelope);
    EXPECT_EQ(envelope->id, "a\xc3\xa9\"b");
}

TEST(Envelope, TestDeliveryHasAllZeroSubscription) {
    auto envelope = parse_envelope(fixture("git.push.test-delivery.json"));
    ASSERT_OK(envelope);
    EXPECT_TRUE(is_test_delivery(*envelope));
}

TEST(Envelope, ParsedBodyReadsCallerBufferWithoutCopy) {
    std::string body = R"({"id":"p1","eventType":"git.push"})";
    std::string buffer = body;
    buffer.reserve(body.size() + k_json_padding);
    JsonParser parser;
    auto parsed = parser.parse(std::string_view(buffer.data(), body.size()), buffer.capacity());
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->text().data(), buffer.data());
    auto envelope = parse_envelope(*parsed);
    ASSERT_OK(envelope);
    EXPECT_EQ(envelope->id, "p1");
    // Too little capacity: falls back to a copy instead of reading past the end.
    auto unpadded = parser.parse(body, body.size());
    ASSERT_OK(unpadded);
    auto copied = parse_envelope(*unpadded);
    ASSERT_OK(copied);
    EXPECT_EQ(copied->event_type, "git.push");
}

TEST(Envelope, RepeatedCallsReuseTheThreadBuffer) {
    std::string big = R"({"id":"big","eventType":"x","pad":")" + std::string(100000, 'a') + R"("})";
    ASSERT_OK(parse_envelope(big));
    auto small = parse_envelope(R"({"id":"s","eventType":"y"})");
    ASSERT_OK(small);
    EXPECT_EQ(small->id, "s");
}

}  // namespace
}  // namespace shiplog::handlers
