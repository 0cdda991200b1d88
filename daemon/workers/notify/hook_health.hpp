#pragma once
// hooks.unhealthy: what shiplog remembers of each service-hook subscription's
// health between hook sync runs, so that a subscription turning unhealthy is
// announced once per transition, not once per sync.
//
// A subscription is unhealthy when Azure DevOps lists it with any status but
// "enabled" (onProbation, disabledBySystem, disabledByUser,
// disabledByInactiveIdentity). A transition is a listing that shows it
// unhealthy when the previous listing showed it enabled, or never showed it.
// Re-enabling it (the hook sync does that for onProbation and
// disabledBySystem) does not end the episode: only a listing that shows it
// enabled again does, so a subscription that keeps falling back to probation
// is one message, not one per hour.
//
//   notify_hooks   subscription id -> {last listed status, transitions so far}
//
// The n-th transition of subscription <id> is the message
// "hooks.unhealthy:<id>:<n>" to every [[notify]] that lists the event (a
// subscription serves several deployments: the `deployments` filter does not
// apply). The table and the outbox change in one write transaction, so a
// crash neither loses the message nor announces the transition twice.
//
// Threading: immutable after open(); record() needs the writer's transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "azure/client.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

struct HookHealthState {
    std::string status;             // as last listed ("enabled", "onProbation", ...)
    std::uint32_t transitions = 0;  // times it turned unhealthy so far

    friend bool operator==(const HookHealthState&, const HookHealthState&) = default;
};

bool hook_status_unhealthy(std::string_view status);

// The pure part: `known` becomes the state after `listed`; returns the
// subscriptions (as listed) that just turned unhealthy, with their new
// `transitions` in `known`.
std::vector<azure::Subscription> note_hook_listing(std::map<std::string, HookHealthState>& known,
                                                   const std::vector<azure::Subscription>& listed);

// The message for one transition to one target (no URL, no credentials:
// only the id, event type, status, probation retries and filters).
storage::OutboxMessage hook_unhealthy_message(const azure::Subscription& subscription,
                                              std::uint32_t transition, std::string_view target,
                                              Timestamp now);

std::string encode_hook_health(const HookHealthState& state);
std::optional<HookHealthState> decode_hook_health(std::string_view bytes);

class HookHealthTable {
  public:
    // Opens (creating on a writable store) the table; call before other
    // threads use the store (LMDB opens tables one at a time).
    static Result<HookHealthTable> open(storage::Store& store);

    // Notes one hook sync listing and queues a message per transition in
    // `txn`. Returns the number of transitions.
    Result<std::size_t> record(storage::Txn& txn, const storage::Outbox& outbox,
                               const config::Config& config,
                               const std::vector<azure::Subscription>& listed, Timestamp now) const;

  private:
    MDB_dbi m_dbi = 0;
};

}  // namespace shiplog::daemon
