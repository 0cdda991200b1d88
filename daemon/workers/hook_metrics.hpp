#pragma once
// /metrics gauges of the service-hook subscriptions this instance owns, from
// the hook sync worker's latest run (docs/azure-devops.md: probation and disabled
// subscriptions are reported in /metrics).

#include <string>

#include "daemon/hook_status.hpp"

namespace shiplog::daemon {

// shiplog_hook_subscriptions{status="..."} for every status Azure DevOps
// knows (0 when none), and shiplog_hook_subscriptions_reenabled_total.
// Empty while no sync worker is attached or no sync has succeeded yet.
std::string render_hook_gauges(const HookStatusBoard* board);

}  // namespace shiplog::daemon
