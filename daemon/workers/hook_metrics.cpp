#include "workers/hook_metrics.hpp"

#include <array>
#include <map>

namespace shiplog::daemon {

std::string render_hook_gauges(const HookStatusBoard* board) {
    if (board == nullptr) return {};
    auto state = board->get();
    if (!state || state->last_run.outcome != azure::HookSyncWorker::LastRun::Outcome::ok) return {};
    // Azure DevOps' SubscriptionStatus values; anything else is counted as reported.
    static constexpr std::array<const char*, 5> k_known = {"enabled", "onProbation",
                                                           "disabledByUser", "disabledBySystem",
                                                           "disabledByInactiveIdentity"};
    std::map<std::string, std::uint64_t> counts;
    for (const char* status : k_known) counts[status] = 0;
    for (const auto& s : state->last_run.subscriptions)
        ++counts[s.status.empty() ? "enabled" : s.status];
    std::string out =
        "# HELP shiplog_hook_subscriptions Service-hook subscriptions this instance owns, by "
        "status after the "
        "last hooks sync (the sync re-enables onProbation and disabledBySystem ones).\n"
        "# TYPE shiplog_hook_subscriptions gauge\n";
    for (const auto& [status, n] : counts)
        out += "shiplog_hook_subscriptions{status=\"" + status + "\"} " + std::to_string(n) + "\n";
    out +=
        "# HELP shiplog_hook_subscriptions_reenabled_total Subscriptions found on probation or "
        "disabled by the "
        "system and re-enabled by hooks sync.\n"
        "# TYPE shiplog_hook_subscriptions_reenabled_total counter\n"
        "shiplog_hook_subscriptions_reenabled_total " +
        std::to_string(state->stats.reenabled) + "\n";
    return out;
}

}  // namespace shiplog::daemon
