#pragma once
// The operator's routes: GET /healthz, /readyz and /metrics (Prometheus text
// format 0.0.4; names in docs/metrics.md). Private to the daemon: registered
// by http_server.cpp.

#include <functional>

#include "common/clock.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/hook_status.hpp"
#include "daemon/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct OpsDeps {
    const ConfigHolder& config;
    const EventIntake& intake;
    storage::Store& store;
    storage::JournalWriter& writer;
    const Metrics& metrics;
    Clock& clock;
    const tracking::Tables& tables;          // DORA gauges
    const HookStatusBoard* hooks = nullptr;  // hook gauges; null: no hook sync worker
    // The edge's connection figures for /metrics; empty: those gauges are left out.
    std::function<http::Server::Stats()> edge_stats;
};

// Adds GET /healthz (I/O thread), /readyz and /metrics (worker threads: they
// read LMDB). `deps`' references must outlive the router and its server.
void add_ops_routes(http::Router& router, OpsDeps deps);

}  // namespace shiplog::daemon
