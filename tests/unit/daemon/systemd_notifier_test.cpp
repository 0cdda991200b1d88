// The systemd notifier against a fake service manager: an AF_UNIX datagram
// socket in a TempDir that NOTIFY_SOCKET points at. sd_notify() sends
// synchronously, so each datagram is already queued when the call returns; the
// poll timeout only guards against a hang if that ever stops being true.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/notifier.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::daemon {
namespace {

using std::chrono::microseconds;

// Sets (or unsets, with nullopt) an environment variable for one test and
// restores the previous value afterwards, so tests do not leak into each other.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, std::optional<std::string> value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old;
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

// The fake service manager's end of NOTIFY_SOCKET.
class NotifySocket {
  public:
    explicit NotifySocket(const std::filesystem::path& path) : m_path(path.string()) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0) throw std::runtime_error("socket() failed");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (m_path.size() >= sizeof(addr.sun_path))
            throw std::runtime_error("socket path too long");
        std::memcpy(addr.sun_path, m_path.c_str(), m_path.size() + 1);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            throw std::runtime_error("bind() failed: " + m_path);
        }
    }
    ~NotifySocket() { ::close(m_fd); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const { return m_path; }

    // The next datagram, or nullopt when none arrives within `timeout_ms`.
    std::optional<std::string> receive(int timeout_ms = 5000) const {
        pollfd pfd{m_fd, POLLIN, 0};
        if (::poll(&pfd, 1, timeout_ms) != 1) return std::nullopt;
        std::array<char, 4096> buffer{};
        const ssize_t n = ::recv(m_fd, buffer.data(), buffer.size(), 0);
        if (n < 0) return std::nullopt;
        return std::string(buffer.data(), static_cast<std::size_t>(n));
    }

    // True when a datagram is queued right now (no waiting).
    bool pending() const {
        pollfd pfd{m_fd, POLLIN, 0};
        return ::poll(&pfd, 1, 0) == 1;
    }

  private:
    std::string m_path;
    int m_fd = -1;
};

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000U;
}

// A systemd notifier whose NOTIFY_SOCKET is a socket the test reads.
struct NotifierUnderTest {
    testing::TempDir dir;
    NotifySocket sock{dir / "notify.sock"};
    ScopedEnv env{"NOTIFY_SOCKET", sock.path()};
    std::unique_ptr<Notifier> notifier = make_systemd_notifier();
};

TEST(SystemdNotifier, SendsEachLifecycleMessage) {
    NotifierUnderTest t;
    auto& sock = t.sock;
    auto& notifier = t.notifier;

    notifier->ready();
    EXPECT_EQ(sock.receive(), "READY=1");
    notifier->stopping();
    EXPECT_EQ(sock.receive(), "STOPPING=1");
    notifier->watchdog();
    EXPECT_EQ(sock.receive(), "WATCHDOG=1");
    notifier->status("serving on 127.0.0.1:8080, 3 deployments");
    EXPECT_EQ(sock.receive(), "STATUS=serving on 127.0.0.1:8080, 3 deployments");
    EXPECT_FALSE(sock.pending());
}

TEST(SystemdNotifier, KeepsNotifySocketForLaterCalls) {
    // sd_notify(unset_environment = 0): the second call must still reach us.
    NotifierUnderTest t;
    auto& sock = t.sock;
    auto& notifier = t.notifier;

    notifier->watchdog();
    notifier->watchdog();
    EXPECT_EQ(sock.receive(), "WATCHDOG=1");
    EXPECT_EQ(sock.receive(), "WATCHDOG=1");
    ASSERT_NE(std::getenv("NOTIFY_SOCKET"), nullptr);
    EXPECT_EQ(std::string(std::getenv("NOTIFY_SOCKET")), sock.path());
}

TEST(SystemdNotifier, ReloadingCarriesMonotonicTimestamp) {
    NotifierUnderTest t;
    auto& sock = t.sock;
    auto& notifier = t.notifier;

    const std::uint64_t before = monotonic_usec();
    notifier->reloading();
    const std::uint64_t after = monotonic_usec();

    const auto message = sock.receive();
    ASSERT_TRUE(message.has_value());
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    ASSERT_EQ(message->substr(0, prefix.size()), prefix) << *message;
    const std::string digits = message->substr(prefix.size());
    ASSERT_FALSE(digits.empty());
    ASSERT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << *message;
    const std::uint64_t stamp = std::stoull(digits);
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, after);
}

TEST(SystemdNotifier, StatusCannotInjectAssignments) {
    NotifierUnderTest t;
    auto& sock = t.sock;
    auto& notifier = t.notifier;

    notifier->status("reload failed\nREADY=1\r\nX=y");
    EXPECT_EQ(sock.receive(), "STATUS=reload failed READY=1  X=y");
}

TEST(SystemdNotifier, WatchdogIntervalIsHalfOfWatchdogSec) {
    testing::TempDir dir;
    NotifySocket sock(dir / "notify.sock");
    ScopedEnv socket_env("NOTIFY_SOCKET", sock.path());
    ScopedEnv usec_env("WATCHDOG_USEC", "30000000");
    ScopedEnv pid_env("WATCHDOG_PID", std::to_string(::getpid()));
    auto notifier = make_systemd_notifier();

    EXPECT_EQ(notifier->watchdog_interval(), microseconds{15'000'000});
    EXPECT_FALSE(sock.pending());  // asking sends nothing
}

TEST(SystemdNotifier, WatchdogMeantForAnotherProcessIsIgnored) {
    testing::TempDir dir;
    NotifySocket sock(dir / "notify.sock");
    ScopedEnv socket_env("NOTIFY_SOCKET", sock.path());
    ScopedEnv usec_env("WATCHDOG_USEC", "30000000");
    ScopedEnv pid_env("WATCHDOG_PID", std::to_string(::getpid() + 1));
    auto notifier = make_systemd_notifier();

    EXPECT_EQ(notifier->watchdog_interval(), std::nullopt);
}

TEST(SystemdNotifier, NoWatchdogWithoutWatchdogUsec) {
    testing::TempDir dir;
    NotifySocket sock(dir / "notify.sock");
    ScopedEnv socket_env("NOTIFY_SOCKET", sock.path());
    ScopedEnv usec_env("WATCHDOG_USEC", std::nullopt);
    ScopedEnv pid_env("WATCHDOG_PID", std::nullopt);
    auto notifier = make_systemd_notifier();

    EXPECT_EQ(notifier->watchdog_interval(), std::nullopt);
}

TEST(SystemdNotifier, WithoutNotifySocketEverythingIsANoOp) {
    testing::TempDir dir;
    NotifySocket sock(dir / "notify.sock");  // exists, but nobody points at it
    ScopedEnv socket_env("NOTIFY_SOCKET", std::nullopt);
    ScopedEnv usec_env("WATCHDOG_USEC", "30000000");
    ScopedEnv pid_env("WATCHDOG_PID", std::to_string(::getpid()));
    auto notifier = make_systemd_notifier();

    notifier->ready();
    notifier->reloading();
    notifier->status("ignored");
    notifier->watchdog();
    notifier->stopping();
    EXPECT_EQ(notifier->watchdog_interval(), std::nullopt);
    // sd_notify() would have sent synchronously: nothing queued means nothing sent.
    EXPECT_FALSE(sock.pending());
}

}  // namespace
}  // namespace shiplog::daemon
