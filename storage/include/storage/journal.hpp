#pragma once
// The event journal: every raw event and registration shiplog accepted, in
// arrival order, keyed by a sequence number (1, 2, 3, ...), deduplicated by
// the Azure DevOps event id in the same transaction. Derived data is rebuilt
// from here, so entries are never changed or deleted.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "storage/store.hpp"

namespace shiplog::storage {

enum class EventSource : std::uint8_t { webhook = 1, ingest = 2, register_deploy = 3, backfill = 4 };
const char* to_string(EventSource source);

struct JournalEntry {
    std::uint64_t seq = 0;  // assigned by append()
    Timestamp received_at{};
    EventSource source = EventSource::webhook;
    std::string event_id;    // Azure DevOps event "id" (dedup key); shiplog-made for registrations
    std::string event_type;  // "git.push", ...
    std::string publisher_id;
    std::string resource_version;
    std::optional<Timestamp> created_date;  // the event's createdDate when it had a valid one
    std::string raw;                        // the exact bytes received
};

// The sequence number of the entry with this event id, if journaled.
Result<std::optional<std::uint64_t>> find_event_id(lmdb::txn& txn, const Store& store,
                                                   std::string_view event_id);

// Appends `entry` (assigning entry.seq = last seq + 1) and indexes its event id.
// The caller must have checked find_event_id() in the same transaction.
Status append_entry(lmdb::txn& txn, const Store& store, JournalEntry& entry);

Result<std::optional<JournalEntry>> read_entry(lmdb::txn& txn, const Store& store, std::uint64_t seq);

// Calls `visit` for each entry with seq >= from_seq in order, until it returns false.
Status for_each_entry(lmdb::txn& txn, const Store& store, std::uint64_t from_seq,
                      const std::function<bool(const JournalEntry&)>& visit);

// Number of journaled entries.
Result<std::uint64_t> journal_size(lmdb::txn& txn, const Store& store);

}  // namespace shiplog::storage
