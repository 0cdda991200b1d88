#pragma once
// The readiness decision behind GET /readyz, the shiplog_ready gauge and
// serve's sd_notify STATUS= lines, so all three always agree.

#include <string>

#include "daemon/event_intake.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

// True when the journal writer accepts writes (no failed sync, not store
// full) and the store is under 95 % full. `reason` gets a short explanation
// when not ready; after a refused write it tells a full map ("store full:
// ... raise storage.max_size_mb") from a full file system ("disk full: ...").
bool store_ready(storage::Store& store, const EventIntake& intake, std::string& reason);

}  // namespace shiplog::daemon
