#include "workers/notify/notify_payload.hpp"

#include <string_view>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "common/time_format.hpp"

namespace shiplog::daemon {

namespace {

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
    json::Writer w;
    w.begin_object().field("id", m.event_id).field("event", m.event);
    w.field("occurred_at", format_rfc3339(m.occurred_at));
    w.field("deployment", m.deployment).field("environment", m.environment);
    w.key(subject_key(m.event));
    // The subject is the stored API object, already JSON.
    if (m.subject.empty())
        w.null();
    else
        w.raw(m.subject);
    return w.end_object().take();
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
    json::Writer w;
    w.begin_object().field("text", title).key("blocks").begin_array();
    w.begin_object().field("type", "header").key("text").begin_object();
    w.field("type", "plain_text").field("text", title).end_object().end_object();
    w.begin_object().field("type", "section").key("text").begin_object();
    w.field("type", "mrkdwn").field("text", summary.empty() ? std::string(" ") : summary);
    w.end_object().end_object();
    w.begin_object().field("type", "section").key("fields").begin_array();
    for (const auto& fact : facts(m)) {
        w.begin_object().field("type", "mrkdwn");
        w.field("text", "*" + fact.first + "*\n" + slack_text(fact.second)).end_object();
    }
    w.end_array().end_object();
    return w.end_array().end_object().take();
}

std::string teams_body(const storage::OutboxMessage& m) {
    json::Writer w;
    w.begin_object().field("type", "message").field("summary", notify_title(m));
    w.key("attachments").begin_array().begin_object();
    w.field("contentType", "application/vnd.microsoft.card.adaptive").null_field("contentUrl");
    w.key("content").begin_object();
    w.field("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    w.field("type", "AdaptiveCard").field("version", "1.4").key("body").begin_array();
    w.begin_object().field("type", "TextBlock").field("size", "Medium");
    w.field("weight", "Bolder").field("wrap", true).field("text", notify_title(m)).end_object();
    if (!m.summary.empty()) {
        w.begin_object().field("type", "TextBlock").field("wrap", true);
        w.field("text", m.summary).end_object();
    }
    w.begin_object().field("type", "FactSet").key("facts").begin_array();
    for (const auto& fact : facts(m))
        w.begin_object().field("title", fact.first).field("value", fact.second).end_object();
    w.end_array().end_object().end_array();
    if (!m.link.empty()) {
        w.key("actions").begin_array().begin_object().field("type", "Action.OpenUrl");
        w.field("title", "Open").field("url", m.link).end_object().end_array();
    }
    return w.end_object().end_object().end_array().end_object().take();
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
