#pragma once
// GET /api/v1/hooks: the dashboard's "hooks health" (issue 10, documented in
// docs/spec-differences.md). The latest hook sync run as the serve process's
// HookSyncWorker saw it, and the last push received per configured repository.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "daemon/hook_status.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

// How far back from the newest journal entry the last-push look-up walks: a
// repository with no push among them shows "not seen recently" rather than
// making the request read the whole journal.
inline constexpr std::uint64_t k_hooks_scan_entries = 5000;

// The JSON body; `txn` is a read transaction on `store`.
Result<std::string> hooks_json(const std::optional<HookStatusBoard::State>& sync,
                               const config::Config& config, storage::Txn& txn,
                               const storage::Store& store);

}  // namespace shiplog::daemon
