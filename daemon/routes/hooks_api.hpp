#pragma once
// GET /api/v1/hooks: the dashboard's "hooks health" (issue 10, documented in
// docs/spec-differences.md). The latest hook sync run as the serve process's
// HookSyncWorker saw it, and the last push received per configured repository.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/hook_status.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

// How far back from the newest journal entry the last-push look-up walks: a
// repository with no push among them shows "not seen recently" rather than
// making the request read the whole journal.
inline constexpr std::uint64_t k_hooks_scan_entries = 5000;

// The notification outbox as the hooks-health view shows it: per target,
// the messages waiting in the store now and the deliveries since start.
struct NotifyTargetCounts {
    std::string name;
    std::optional<std::string> kind;  // nullopt: a target no longer configured
    std::uint64_t queued = 0;
    storage::OutboxTally tally;
};

// The outbox per target: every configured target, then any other name the
// outbox still holds or once sent to. Reads at most k_hooks_scan_outbox
// waiting messages.
Result<std::vector<NotifyTargetCounts>> notify_counts(const config::Config& config,
                                                      storage::Txn& txn,
                                                      const storage::Outbox& outbox);
inline constexpr std::size_t k_hooks_scan_outbox = 10000;

// The JSON body; `txn` is a read transaction on `store`. `notify` (when
// given) adds the "notify" member.
Result<std::string> hooks_json(const std::optional<HookStatusBoard::State>& sync,
                               const config::Config& config, storage::Txn& txn,
                               const storage::Store& store,
                               const std::vector<NotifyTargetCounts>* notify = nullptr);

}  // namespace shiplog::daemon
