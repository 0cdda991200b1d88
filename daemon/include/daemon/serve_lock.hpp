#pragma once
// An advisory lock (flock) on <store>/serve.lock held by `shiplog serve` for
// its whole life, so commands that must not run beside it (`reindex`) can
// refuse with a clear message. The kernel drops it when the process dies,
// even on SIGKILL, so a crash never leaves a stale lock.

#include <filesystem>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace shiplog::daemon {

class ServeLock {
  public:
    // Takes the lock, or fails with ErrorCode::conflict when another process
    // holds it ("a shiplog serve (pid N) is using the store at PATH").
    static Result<ServeLock> acquire(const std::filesystem::path& store_dir);

    ServeLock(ServeLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    ServeLock& operator=(ServeLock&&) = delete;
    ServeLock(const ServeLock&) = delete;
    ~ServeLock();

  private:
    explicit ServeLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace shiplog::daemon
