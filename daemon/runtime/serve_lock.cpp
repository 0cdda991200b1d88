#include "daemon/serve_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shiplog::daemon {

Result<ServeLock> ServeLock::acquire(const std::filesystem::path& store_dir) {
    auto path = store_dir / "serve.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(ErrorCode::io, "cannot open " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        return fail(ErrorCode::conflict, "a shiplog serve (pid " + pid +
                                             ") is using the store at " + store_dir.string() +
                                             "; stop it first");
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The pid is only for the message above; the lock itself is what matters.
    }
    return ServeLock(fd);
}

ServeLock::~ServeLock() {
    if (m_fd >= 0) ::close(m_fd);
}

}  // namespace shiplog::daemon
