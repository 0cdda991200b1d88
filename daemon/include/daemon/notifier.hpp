#pragma once
// Service-manager notifications (sd_notify). The serve loop calls these at
// the lifecycle points docs/operations.md / the systemd unit rely on. Outside systemd
// (no NOTIFY_SOCKET) every call is a cheap no-op.
//
// Threading: all methods may be called from any thread.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

namespace shiplog::daemon {

class Notifier {
  public:
    virtual ~Notifier() = default;
    virtual void ready() = 0;      // READY=1 (store open, listener bound)
    virtual void reloading() = 0;  // RELOADING=1 (+ MONOTONIC_USEC where supported)
    virtual void stopping() = 0;   // STOPPING=1
    virtual void watchdog() = 0;   // WATCHDOG=1
    virtual void status(std::string_view line) = 0;  // STATUS=<line>
    // How often watchdog() must be called (half of WatchdogSec), or nullopt when
    // the watchdog is not enabled for this process.
    virtual std::optional<std::chrono::microseconds> watchdog_interval() const = 0;
};

// The libsystemd-backed notifier (sd_notify / sd_watchdog_enabled).
std::unique_ptr<Notifier> make_systemd_notifier();

}  // namespace shiplog::daemon
