#pragma once
// The bodies shiplog POSTs to a [[notify]] target, one message per POST:
//   webhook  {"id","event","occurred_at","deployment","environment",
//             "deploy"|"incident"}: the deploy or incident as the API shows it
//   slack    an incoming-webhook message: "text" (the notification line)
//            and Block Kit "blocks" (a header, the summary, the facts)
//   teams    a message with one Adaptive Card attachment, which both Teams
//            incoming webhooks and Workflows ("post to a channel when a
//            webhook request is received") accept
// Every kind carries the event id as the Idempotency-Key header
// (notify_sender.cpp); webhook bodies also carry it as "id".

#include <string>

#include "config/config.hpp"
#include "storage/outbox.hpp"

namespace shiplog::daemon {

std::string notify_body(config::NotifyKind kind, const storage::OutboxMessage& message);

// "web-api production: deploy failed" (the card's title, Slack's text).
std::string notify_title(const storage::OutboxMessage& message);

}  // namespace shiplog::daemon
