#pragma once
// Private to tracking: the facts of incidents from [[incident_source]]s
// (tr_impacts) and the incidents derived from them.

#include <optional>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "tracking/impact.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// Records the record's transitions (a Resolved alert also its firing) under
// their natural key (incident, time, type), so the same transition journaled
// twice counts once. `changed` tells whether anything new was recorded.
Status put_impact(lmdb::txn& txn, const Tables& t, const ImpactRecord& record, std::uint64_t seq,
                  bool& changed);

// The time of the incident's earliest recorded transition (nullopt: none).
// Its opening is at or after it, whatever arrives later, so a derivation
// from there covers every deploy a new transition can blame or unblame.
Result<std::optional<Timestamp>> earliest_impact(lmdb::txn& txn, const Tables& t,
                                                 std::string_view incident_id);

// True when the incident has been triggered (any fact at all says it exists).
Result<bool> impact_known(lmdb::txn& txn, const Tables& t, std::string_view incident_id);

// The incidents of one source: each transition in time order (then
// triggered, resolved, reopened); the first triggered opens it, resolved
// restores an open one, triggered or reopened opens a restored one again.
// Transitions before the first triggered are left out; so is an incident
// never triggered.
Result<std::vector<IncidentView>> source_incidents(lmdb::txn& txn, const Tables& t,
                                                   const config::IncidentSourceConfig& source);

}  // namespace shiplog::tracking::detail
