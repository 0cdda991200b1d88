#pragma once
// The HTTP edge of `shiplog serve`: the routes of the daemon on the
// event-driven server of http/ (Beast stays inside http/src).
//
// Threading: create() and run() on the main thread; stop() and reload() from
// any thread (the signal thread).

#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/hook_status.hpp"
#include "daemon/metrics.hpp"
#include "storage/journal_writer.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct HttpServerDeps {
    const ConfigHolder& config;
    EventIntake& intake;
    storage::Store& store;
    storage::JournalWriter& writer;
    Metrics& metrics;
    Clock& clock;
    const tracking::Tables& tables;           // derived data for /api/*
    const HookStatusBoard* hooks = nullptr;   // hook sync state for /api/v1/hooks
    const storage::Outbox* outbox = nullptr;  // notification counters for /api/v1/hooks
};

class HttpServer {
  public:
    virtual ~HttpServer() = default;

    // Binds the listener of `config.server` (HTTPS when a certificate and key
    // are configured). Fails with a clear message when it cannot bind or the
    // TLS files are unusable.
    static Result<std::unique_ptr<HttpServer>> create(const config::Config& config,
                                                      HttpServerDeps deps);

    virtual int port() const = 0;
    virtual std::string url() const = 0;  // e.g. "http://127.0.0.1:8080"

    // Serves until stop(); in-flight requests finish before it returns.
    virtual void run() = 0;
    // Blocks until run() is accepting connections (or has ended). A stop()
    // before that point would be lost, so callers wait here before they
    // start handling shutdown requests.
    virtual void wait_until_running() = 0;
    virtual void stop() = 0;
    // After a config reload: new limits and trusted proxies for new requests,
    // and the TLS certificate and key loaded again. On a TLS error the old
    // ones stay in force and the error is returned.
    virtual Status reload(const config::Config& config) = 0;
};

}  // namespace shiplog::daemon
