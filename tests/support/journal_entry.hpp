#pragma once
// A small journal entry for the storage tests: received 2023-11-14T22:13:20Z.

#include <chrono>
#include <string>

#include "storage/journal.hpp"

namespace shiplog::testing {

inline storage::JournalEntry journal_entry(std::string id, std::string type,
                                           std::string raw = "{}") {
    storage::JournalEntry entry;
    entry.received_at = Timestamp{std::chrono::seconds{1'700'000'000}};
    entry.event_id = std::move(id);
    entry.event_type = std::move(type);
    entry.raw = std::move(raw);
    return entry;
}

}  // namespace shiplog::testing
