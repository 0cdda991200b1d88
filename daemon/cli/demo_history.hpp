#pragma once
// A made-up but self-consistent history for examples/shiplog.toml's
// deployments, as the raw events Azure DevOps (and register_deploy) would
// have delivered: about three months of pushes, CI builds (some failed),
// manual registrations, two rollbacks and a handful of incidents. `shiplog
// demo` feeds them through the same intake as the webhook, so everything the
// dashboard shows is derived by the real projector.
//
// Deterministic: the same events, ids and commit shas on every run (a fixed
// seed); only the times move, placed relative to `now` so that the last-30-
// days window is always populated. Pure: no I/O, callable from any thread.

#include <string>
#include <vector>

#include "common/clock.hpp"

namespace shiplog::daemon {

struct DemoEvent {
    enum class Kind { webhook, registration };
    Kind kind = Kind::webhook;
    Timestamp at{};          // when it happened (the order they are fed in)
    std::string event_id;    // stable across runs: a second run is all duplicates
    std::string event_type;  // "git.push", ..., or tracking::k_register_deploy_event_type
    std::string body;        // a service-hook body, or a register_deploy journal record
};

// The history, oldest first, ending an hour before `now`.
std::vector<DemoEvent> make_demo_history(Timestamp now);

// The demo's last deployed commit of Fabrikam/mobile on main (the same on
// every run): examples/events/git.push.json pushes on top of it.
std::string demo_mobile_head();

}  // namespace shiplog::daemon
