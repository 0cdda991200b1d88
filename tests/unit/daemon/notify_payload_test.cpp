// The bodies POSTed to [[notify]] targets: the generic webhook's documented
// fields, Teams' Adaptive Card and Slack's Block Kit message, with text from
// the store escaped for JSON (and for Slack's mrkdwn).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "workers/notify/notify_payload.hpp"

namespace shiplog::daemon {
namespace {

storage::OutboxMessage message() {
    storage::OutboxMessage m;
    m.event_id = "deploy.failed:web-api:production:42";
    m.target = "ops";
    m.event = "deploy.failed";
    m.occurred_at = Timestamp(std::chrono::seconds(1'795'168'800));  // 2026-11-20T10:00:00Z
    m.deployment = "web-api";
    m.environment = "production";
    m.subject = R"({"id":"web-api:production:42","status":"failed"})";
    m.summary = "commit c0ffee12, 1 change: fix \"quotes\" & <tags>";
    return m;
}

TEST(NotifyPayload, WebhookCarriesTheDocumentedFieldsAndTheDeploy) {
    EXPECT_EQ(notify_body(config::NotifyKind::webhook, message()),
              R"({"id":"deploy.failed:web-api:production:42","event":"deploy.failed",)"
              R"("occurred_at":"2026-11-20T10:00:00Z","deployment":"web-api",)"
              R"("environment":"production",)"
              R"("deploy":{"id":"web-api:production:42","status":"failed"}})");
    auto incident = message();
    incident.event = "incident.opened";
    incident.subject = R"({"id":"api:pager:INC-1"})";
    const std::string body = notify_body(config::NotifyKind::webhook, incident);
    EXPECT_NE(body.find(R"("incident":{"id":"api:pager:INC-1"})"), std::string::npos) << body;
}

TEST(NotifyPayload, TeamsSendsOneAdaptiveCard) {
    auto m = message();
    m.link = "https://status.example.com/1";
    const std::string body = notify_body(config::NotifyKind::teams, m);
    EXPECT_EQ(body.rfind(R"({"type":"message",)", 0), 0u) << body;
    EXPECT_NE(body.find(R"("contentType":"application/vnd.microsoft.card.adaptive")"),
              std::string::npos);
    EXPECT_NE(body.find(R"("type":"AdaptiveCard","version":"1.4")"), std::string::npos);
    EXPECT_NE(body.find(R"("text":"web-api production: deploy failed")"), std::string::npos);
    EXPECT_NE(body.find(R"(fix \"quotes\" & <tags>)"), std::string::npos) << body;
    EXPECT_NE(body.find(R"({"title":"Event id","value":"deploy.failed:web-api:production:42"})"),
              std::string::npos);
    EXPECT_NE(
        body.find(R"("type":"Action.OpenUrl","title":"Open","url":"https://status.example.com/1")"),
        std::string::npos);
}

TEST(NotifyPayload, SlackSendsBlocksWithMrkdwnEscaped) {
    const std::string body = notify_body(config::NotifyKind::slack, message());
    EXPECT_EQ(body.rfind(R"({"text":"web-api production: deploy failed","blocks":[)", 0), 0u)
        << body;
    EXPECT_NE(body.find(R"({"type":"header","text":{"type":"plain_text")"), std::string::npos);
    EXPECT_NE(body.find(R"(fix \"quotes\" &amp; &lt;tags&gt;)"), std::string::npos) << body;
    EXPECT_NE(body.find(R"(*Environment*\nproduction)"), std::string::npos) << body;
}

}  // namespace
}  // namespace shiplog::daemon
