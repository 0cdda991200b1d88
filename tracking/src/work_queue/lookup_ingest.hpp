#pragma once
// Private to tracking: how the Projector applies the work queue's answer
// records (tracking/lookup_records.hpp) and how recompute reads them back.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lmdb++.h>

#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

// True for the event types of lookup_records.hpp.
bool is_lookup_record(std::string_view event_type);

class SortedRows;

// Applies one answer record: facts first-answer-wins, the answered queue item
// removed, and the deployment+environments it can change added to `dirty`.
// A record that does not parse changes nothing. `deferred`: reindex's queue
// for tr_commits rows (nullptr live).
Status ingest_lookup_record(lmdb::txn& txn, const Tables& t, const config::Config& config,
                            const storage::JournalEntry& entry, SortedRows* deferred,
                            std::set<std::pair<std::string, std::string>>& dirty);

// The commit set REST gave for (repo, from, to), if a commit_range answer
// was journaled (oldest first as Azure DevOps listed them, reversed).
Result<std::optional<std::vector<std::string>>> answered_range(lmdb::txn& txn, const Tables& t,
                                                               std::string_view repo,
                                                               std::string_view from,
                                                               std::string_view to);

}  // namespace shiplog::tracking::detail
