#pragma once
// POST /hooks/azure-devops on the HTTP edge: who may post (allow_from,
// credentials), what is refused unread (415, 413), and the answer once the
// event is durable. Private to the daemon.

#include <cstddef>

#include "common/clock.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/metrics.hpp"
#include "http/router.hpp"

namespace shiplog::daemon {

struct WebhookDeps {
    const ConfigHolder& config;
    EventIntake& intake;
    Metrics& metrics;
    Clock& clock;
    // The route's body cap. [server] max_body_bytes as it was at start: the
    // edge refuses a larger declared body unread. A reload that lowers it
    // applies to every request at once (checked again per request); one
    // that raises it applies after a restart.
    std::size_t max_body_bytes;
};

void add_webhook_route(http::Router& router, const WebhookDeps& deps);

}  // namespace shiplog::daemon
