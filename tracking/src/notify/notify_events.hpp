#pragma once
// Private to tracking: the [[notify]] messages a journal entry causes,
// queued in the outbox inside the entry's own write transaction (the one that
// records the deploy or opens the incident), so the fact and its message
// commit or roll back together.
//
// Events and their ids (the idempotency key a receiver sees):
//   deploy.succeeded / deploy.failed / deploy.rollback  "<event>:<deploy id>"
//     when the entry creates the deploy (its seq is the deploy's); a
//     rollback deploy is announced as deploy.rollback only
//   incident.opened  "incident.opened:<incident id>"
//     when an incident from Azure Boards or an [[incident_source]] is open
//     after a work-item or impact entry; once per incident, never on reopen
// Nothing is queued for facts more than 24 h older than the entry's arrival
// (history arriving late, backfill), nor without a [[notify]] that wants the
// event and the deployment. Reindex never calls this.

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "storage/outbox.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

Status queue_notifications(lmdb::txn& txn, const Tables& tables, const storage::Outbox& outbox,
                           const config::Config& config, const storage::JournalEntry& entry,
                           bool may_open_incident);

}  // namespace shiplog::tracking::detail
