// The Notifier backed by libsystemd's sd_notify(). Each call is one datagram
// to $NOTIFY_SOCKET; without that variable sd_notify() returns 0 and does
// nothing, which is what makes the calls free outside systemd.
//
// Threading: stateless apart from the once-only failure warning (an atomic),
// so every method may be called from any thread, concurrently.

#include <systemd/sd-daemon.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

#include "daemon/notifier.hpp"

namespace shiplog::daemon {
namespace {

// µs on CLOCK_MONOTONIC, the clock systemd ≥ 253 compares MONOTONIC_USEC
// against to tell this reload apart from an earlier one.
std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000U;
}

class SystemdNotifier final : public Notifier {
  public:
    void ready() override { send("READY=1"); }

    void reloading() override {
        // systemd 252 ignores MONOTONIC_USEC; Type=notify-reload (253+) wants it.
        send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
    }

    void stopping() override { send("STOPPING=1"); }

    void watchdog() override { send("WATCHDOG=1"); }

    void status(std::string_view line) override {
        // The protocol is newline-separated VAR=value pairs: a newline in the
        // text would end STATUS early and smuggle in another assignment.
        std::string message = "STATUS=";
        message.reserve(message.size() + line.size());
        for (char c : line) message.push_back(c == '\n' || c == '\r' ? ' ' : c);
        send(message);
    }

    std::optional<std::chrono::microseconds> watchdog_interval() const override {
        // Pings could not be delivered without a socket; do not ask for them.
        const char* socket = std::getenv("NOTIFY_SOCKET");
        if (socket == nullptr || *socket == '\0') return std::nullopt;
        std::uint64_t usec = 0;
        // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is us,
        // so a child that inherited the variables does not ping for its parent.
        if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
        // Half of WatchdogSec, as sd_watchdog_enabled(3) recommends, so one late
        // tick does not get the service killed.
        return std::chrono::microseconds{static_cast<std::int64_t>(usec / 2)};
    }

  private:
    void send(const std::string& message) {
        // unset_environment = 0: keep NOTIFY_SOCKET for every later call.
        const int rc = ::sd_notify(0, message.c_str());
        if (rc < 0 && !m_warned.exchange(true)) {
            // Once only: a broken socket would otherwise log on every watchdog
            // tick. Only the variable name goes in the line, never the payload.
            const auto first = message.substr(0, message.find('='));
            spdlog::warn("sd_notify({}) failed: {}; further failures are not logged", first,
                         std::error_code(-rc, std::generic_category()).message());
        }
    }

    std::atomic<bool> m_warned{false};
};

}  // namespace

std::unique_ptr<Notifier> make_systemd_notifier() {
    return std::make_unique<SystemdNotifier>();
}

}  // namespace shiplog::daemon
