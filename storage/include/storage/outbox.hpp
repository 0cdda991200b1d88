#pragma once
// The notification outbox: messages for [[notify]] targets, written in the
// same write transaction as the fact that causes them (a deploy recorded, an
// incident opened), so a crash can neither lose one nor invent one. A
// background sender (daemon/workers/notify/) reads them oldest first and
// removes each only after its target answered 2xx: delivery is at least
// once, and the event id travels as the idempotency key so that a receiver
// can drop the rare repeat (a crash between the target's answer and the
// removal).
//
//   outbox      seq(u64 BE)               -> message (oldest first)
//   outbox_ids  event id \0 target        -> "" (every message ever queued;
//                                            kept after sending, so a fact
//                                            derived again never queues twice)
//
// These tables are not derived data: reindex leaves them alone. The target
// is the [[notify]] name; URLs (secrets) are never stored.
//
// Threading: an Outbox value is immutable after open() and may be shared;
// enqueue/remove need a write transaction (the JournalWriter thread).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "storage/store.hpp"

namespace shiplog::storage {

struct OutboxMessage {
    std::string event_id;  // "<event>:<deploy or incident id>": the idempotency key
    std::string target;    // the [[notify]] name
    std::string event;     // "deploy.failed", "incident.opened", ...
    Timestamp occurred_at{};
    Timestamp queued_at{};
    std::string deployment;
    std::string environment;
    std::string subject;  // the "deploy" or "incident" JSON object, as the API shows it
    std::string summary;  // one line for chat cards: the sha and commits, or the incident title
    std::string link;     // where the card links to (the incident's url), may be empty

    friend bool operator==(const OutboxMessage&, const OutboxMessage&) = default;
};

struct OutboxRow {
    std::uint64_t seq = 0;
    OutboxMessage message;
};

class Outbox {
  public:
    // Opens (creating on a writable store) both tables; on a read-only store
    // that never had them, an empty outbox.
    static Result<Outbox> open(Store& store);

    // Queues `message` unless (event_id, target) was ever queued before.
    // Returns whether it was queued.
    Result<bool> enqueue(Txn& txn, const OutboxMessage& message) const;

    // Up to `limit` messages, oldest first, starting after `after_seq`.
    Result<std::vector<OutboxRow>> pending(Txn& txn, std::size_t limit,
                                           std::uint64_t after_seq = 0) const;

    // Messages waiting now.
    Result<std::size_t> size(Txn& txn) const;

    // Drops a sent (or given-up) message; a missing one is fine.
    Status remove(Txn& txn, std::uint64_t seq) const;

  private:
    MDB_dbi m_rows = 0;
    MDB_dbi m_ids = 0;
    bool m_present = true;
};

// The record format, exposed for tests and the fuzzer: nullopt when `bytes`
// is not a record this build wrote.
std::string encode_outbox_message(const OutboxMessage& message);
std::optional<OutboxMessage> decode_outbox_message(std::string_view bytes);

}  // namespace shiplog::storage
