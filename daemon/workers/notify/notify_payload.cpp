#include "workers/notify/notify_payload.hpp"

#include <string_view>
#include <utility>
#include <vector>

#include "common/time_format.hpp"
#include "http/message.hpp"

namespace shiplog::daemon {

namespace {

std::string json_str(std::string_view s) {
    return "\"" + http::json_escape(s) + "\"";
}

std::string_view what(std::string_view event) {
    if (event == "deploy.succeeded") return "deployed";
    if (event == "deploy.failed") return "deploy failed";
    if (event == "deploy.rollback") return "rolled back";
    if (event == "incident.opened") return "incident opened";
    if (event == "hooks.unhealthy") return "service hooks unhealthy";
    if (event == "digest.weekly") return "weekly digest";
    return event;
}

std::string_view subject_key(std::string_view event) {
    if (event.rfind("incident.", 0) == 0) return "incident";
    if (event == "hooks.unhealthy") return "subscription";
    if (event == "digest.weekly") return "digest";
    return "deploy";
}

// The week of a digest: the last part of its id ("digest.weekly:<target>:2026-W49").
std::string digest_week(const storage::OutboxMessage& m) {
    const auto colon = m.event_id.rfind(':');
    return colon == std::string::npos ? std::string() : m.event_id.substr(colon + 1);
}

// (label, value) lines shown on chat cards.
std::vector<std::pair<std::string, std::string>> facts(const storage::OutboxMessage& m) {
    std::vector<std::pair<std::string, std::string>> out;
    if (m.event == "digest.weekly") {
        out.emplace_back("Week", digest_week(m));
        out.emplace_back("Until", format_rfc3339(m.occurred_at));
    } else {
        if (!m.deployment.empty()) out.emplace_back("Deployment", m.deployment);
        if (!m.environment.empty()) out.emplace_back("Environment", m.environment);
        out.emplace_back("When", format_rfc3339(m.occurred_at));
    }
    out.emplace_back("Event id", m.event_id);
    return out;
}

std::string webhook_body(const storage::OutboxMessage& m) {
    std::string out = "{\"id\":" + json_str(m.event_id) + ",\"event\":" + json_str(m.event) +
                      ",\"occurred_at\":" + json_str(format_rfc3339(m.occurred_at)) +
                      ",\"deployment\":" + json_str(m.deployment) +
                      ",\"environment\":" + json_str(m.environment) + ",\"" +
                      std::string(subject_key(m.event)) + "\":";
    out += m.subject.empty() ? "null" : m.subject;
    out += "}";
    return out;
}

// Slack mrkdwn treats &, < and > specially.
std::string slack_text(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

std::string slack_body(const storage::OutboxMessage& m) {
    const std::string title = notify_title(m);
    std::string summary = slack_text(m.summary);
    if (!m.link.empty()) summary += "\n<" + slack_text(m.link) + "|open>";
    std::string fields;
    for (const auto& [label, value] : facts(m)) {
        if (!fields.empty()) fields += ",";
        fields +=
            "{\"type\":\"mrkdwn\",\"text\":" + json_str("*" + label + "*\n" + slack_text(value)) +
            "}";
    }
    return "{\"text\":" + json_str(title) + ",\"blocks\":[" +
           "{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":" + json_str(title) +
           "}}," + "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":" +
           json_str(summary.empty() ? std::string(" ") : summary) + "}}," +
           "{\"type\":\"section\",\"fields\":[" + fields + "]}]}";
}

std::string teams_body(const storage::OutboxMessage& m) {
    std::string fact_set;
    for (const auto& [label, value] : facts(m)) {
        if (!fact_set.empty()) fact_set += ",";
        fact_set += "{\"title\":" + json_str(label) + ",\"value\":" + json_str(value) + "}";
    }
    std::string body =
        "[{\"type\":\"TextBlock\",\"size\":\"Medium\",\"weight\":\"Bolder\","
        "\"wrap\":true,\"text\":" +
        json_str(notify_title(m)) + "}";
    if (!m.summary.empty())
        body += ",{\"type\":\"TextBlock\",\"wrap\":true,\"text\":" + json_str(m.summary) + "}";
    body += ",{\"type\":\"FactSet\",\"facts\":[" + fact_set + "]}]";
    std::string actions;
    if (!m.link.empty())
        actions = ",\"actions\":[{\"type\":\"Action.OpenUrl\",\"title\":\"Open\",\"url\":" +
                  json_str(m.link) + "}]";
    return "{\"type\":\"message\",\"summary\":" + json_str(notify_title(m)) +
           ",\"attachments\":[{\"contentType\":\"application/vnd.microsoft.card.adaptive\","
           "\"contentUrl\":null,\"content\":{\"$schema\":"
           "\"http://adaptivecards.io/schemas/adaptive-card.json\",\"type\":\"AdaptiveCard\","
           "\"version\":\"1.4\",\"body\":" +
           body + actions + "}}]}";
}

}  // namespace

std::string notify_title(const storage::OutboxMessage& m) {
    if (m.event == "digest.weekly") return "shiplog weekly digest, " + digest_week(m);
    std::string where = m.deployment;
    if (!m.environment.empty()) where += (where.empty() ? "" : " ") + m.environment;
    return where + (where.empty() ? "" : ": ") + std::string(what(m.event));
}

std::string notify_body(config::NotifyKind kind, const storage::OutboxMessage& message) {
    switch (kind) {
        case config::NotifyKind::teams:
            return teams_body(message);
        case config::NotifyKind::slack:
            return slack_body(message);
        case config::NotifyKind::webhook:
            return webhook_body(message);
    }
    return webhook_body(message);
}

}  // namespace shiplog::daemon
