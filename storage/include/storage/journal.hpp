#pragma once
// The event journal: every raw event and registration shiplog accepted, in
// arrival order, keyed by a sequence number (1, 2, 3, ...), deduplicated by
// the Azure DevOps event id in the same transaction. Derived data is rebuilt
// from here, so entries are never changed or deleted.
//
// Tables: `journal` maps seq (8 bytes, big-endian, so LMDB's byte order is
// numeric order) to an encoded record (below); `event_ids` maps the event id
// bytes to the seq (8 bytes, big-endian).
//
// Every function here catches LMDB exceptions and returns them as Error
// (store_error()): ErrorCode::store_full when the map is full, after which
// the write transaction can only be aborted.

#include <any>
#include <cstddef>
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

enum class EventSource : std::uint8_t {
    webhook = 1,
    ingest = 2,
    register_deploy = 3,
    backfill = 4
};
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
    // In memory only, never stored: what the receiver already parsed from
    // `raw` (the handlers' typed event), carried to the append observer so
    // the writer's transaction does not parse the same bytes again. Empty
    // for entries read back from the journal; readers fall back to `raw`.
    std::any parsed;

    // Compares what is stored; `parsed` is a cache of `raw`.
    friend bool operator==(const JournalEntry& a, const JournalEntry& b) {
        return a.seq == b.seq && a.received_at == b.received_at && a.source == b.source &&
               a.event_id == b.event_id && a.event_type == b.event_type &&
               a.publisher_id == b.publisher_id && a.resource_version == b.resource_version &&
               a.created_date == b.created_date && a.raw == b.raw;
    }
};

// An event id is an LMDB key: non-empty and at most this many bytes (Azure
// DevOps ids are 36-byte GUIDs). Longer or empty ids are
// ErrorCode::invalid_argument, never stored.
constexpr std::size_t k_max_event_id_bytes = 256;

// The sequence number of the entry with this event id, if journaled
// (including by an earlier append in `txn`).
Result<std::optional<std::uint64_t>> find_event_id(lmdb::txn& txn, const Store& store,
                                                   std::string_view event_id);

// Appends `entry` (assigning entry.seq = last seq + 1) and indexes its event id.
// The caller must have checked find_event_id() in the same transaction; an id
// already indexed is ErrorCode::conflict and changes nothing. An entry that
// cannot be stored (bad event id, unknown source) is ErrorCode::invalid_argument
// and changes nothing. After any other error the transaction may hold part of
// the append and must be aborted.
Status append_entry(lmdb::txn& txn, const Store& store, JournalEntry& entry);

Result<std::optional<JournalEntry>> read_entry(lmdb::txn& txn, const Store& store,
                                               std::uint64_t seq);

// Calls `visit` for each entry with seq >= from_seq in order, until it returns false.
// A record that does not decode stops the walk with ErrorCode::store.
Status for_each_entry(lmdb::txn& txn, const Store& store, std::uint64_t from_seq,
                      const std::function<bool(const JournalEntry&)>& visit);

// Number of journaled entries.
Result<std::uint64_t> journal_size(lmdb::txn& txn, const Store& store);

// The highest seq journaled, 0 when the journal is empty.
Result<std::uint64_t> last_seq(lmdb::txn& txn, const Store& store);

// The record format, exposed for tests and the fuzzer. Version 1, all
// integers little-endian, strings as a LEB128 length (shortest form, value
// < 2^32) followed by that many bytes:
//
//   u8   format version (1)
//   u8   source (EventSource)
//   u8   flags: bit 0 = created_date present; other bits must be 0
//   i64  received_at, nanoseconds since the Unix epoch (UTC)
//   i64  created_date, same unit (only when flag bit 0 is set)
//   str  event_id, event_type, publisher_id, resource_version, raw (in this order)
//
// and nothing after raw. seq is the key, not part of the record.
constexpr std::uint8_t k_journal_record_version = 1;

// The exact number of bytes encode_entry() writes for `entry`.
std::size_t encoded_size(const JournalEntry& entry);

// Writes the record for `entry` into `out`, which must hold encoded_size(entry) bytes.
void encode_entry(const JournalEntry& entry, char* out);
std::string encode_entry(const JournalEntry& entry);

// Decodes a record (setting seq from the argument). Any truncated, trailing,
// out-of-range or unknown-version record is ErrorCode::store naming `seq`;
// decoding never reads outside `record`.
Result<JournalEntry> decode_entry(std::string_view record, std::uint64_t seq);

}  // namespace shiplog::storage
