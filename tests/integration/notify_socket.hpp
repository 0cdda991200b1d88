#pragma once
// A fake service manager's NOTIFY_SOCKET for integration tests: the test
// binds the AF_UNIX datagram socket, points the daemon's NOTIFY_SOCKET at it
// and reads what sd_notify() sent.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiplog::testing {

// systemd's side of the protocol: one datagram per sd_notify() call, each a
// list of newline-separated VAR=value assignments.
class NotifySocket {
  public:
    using steady = std::chrono::steady_clock;

    explicit NotifySocket(const std::filesystem::path& path) : m_path(path) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0) {
            ADD_FAILURE() << "socket: " << std::strerror(errno);
            return;
        }
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (path.string().size() >= sizeof addr.sun_path) {
            ADD_FAILURE() << "socket path too long: " << path;
            return;
        }
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
            ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    }
    ~NotifySocket() {
        if (m_fd >= 0) ::close(m_fd);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::filesystem::path& path() const { return m_path; }

    // The next datagram, or nullopt if none arrived by `deadline`.
    std::optional<std::string> next(steady::time_point deadline) {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
            if (left.count() < 0) return std::nullopt;
            pollfd p{m_fd, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) return std::nullopt;
            char buf[4096];
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n < 0) {
                ADD_FAILURE() << "recv: " << std::strerror(errno);
                return std::nullopt;
            }
            std::string message(buf, static_cast<std::size_t>(n));
            m_seen.push_back(message);
            return message;
        }
    }

    // Reads datagrams until one carries the assignment line `line` (e.g.
    // "READY=1") or starts with `line` when it ends in '=' ("STATUS=").
    // Other messages (watchdog pings, status refreshes) are skipped.
    std::optional<std::string> wait_for(const std::string& line,
                                        std::chrono::milliseconds timeout) {
        const auto deadline = steady::now() + timeout;
        while (auto message = next(deadline)) {
            if (has_line(*message, line)) return message;
        }
        return std::nullopt;
    }

    static bool has_line(const std::string& message, const std::string& line) {
        std::size_t start = 0;
        while (start <= message.size()) {
            std::size_t end = message.find('\n', start);
            if (end == std::string::npos) end = message.size();
            const std::string_view current(message.data() + start, end - start);
            if (line.back() == '=' ? current.starts_with(line) : current == line) return true;
            start = end + 1;
        }
        return false;
    }

    // Everything received so far, for failure messages.
    std::string transcript() const {
        std::string all;
        for (const auto& m : m_seen) all += "[" + m + "] ";
        return all;
    }

  private:
    std::filesystem::path m_path;
    int m_fd = -1;
    std::vector<std::string> m_seen;
};

}  // namespace shiplog::testing
