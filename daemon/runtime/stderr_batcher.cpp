#include "runtime/stderr_batcher.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace shiplog::daemon {
namespace {

void write_all(int fd, const std::string& data) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to report a failing stderr; drop the batch
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

StderrBatcher::StderrBatcher(int fd) : m_fd(fd) {
    // The thread starts with every signal blocked (a new thread inherits the
    // creator's mask). Logging starts before serve blocks SIGTERM/SIGINT/SIGHUP
    // for its signal thread; a process-directed SIGTERM must never land here,
    // where its default action would kill the process (exit 143).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    m_thread = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

StderrBatcher::~StderrBatcher() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable()) m_thread.join();
}

void StderrBatcher::append(std::string_view line) {
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_pending.append(line);
        ++m_appended;
        // Only a sleeping writer needs a wake-up; a busy one looks again
        // after its write.
        wake = m_idle;
        m_idle = false;
    }
    if (wake) m_wake.notify_one();
}

void StderrBatcher::flush() {
    std::unique_lock lock(m_mutex);
    const std::uint64_t target = m_appended;
    if (m_done >= target) return;
    m_flush_requested = true;  // ends the gathering window at once
    m_wake.notify_one();
    m_written.wait(lock, [&] { return m_done >= target; });
}

void StderrBatcher::run() {
    std::string batch;
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_pending.empty()) {
            if (m_stopping) break;
            m_idle = true;
            m_wake.wait(lock, [this] { return !m_pending.empty() || m_stopping; });
            m_idle = false;
            continue;
        }
        // Let the lines of the next few milliseconds join this batch (appends
        // do not wake the thread meanwhile), unless someone flushes or the
        // process stops.
        m_wake.wait_for(lock, k_gather_window, [this] { return m_flush_requested || m_stopping; });
        m_flush_requested = false;
        batch.swap(m_pending);  // both keep their capacity: no allocation in steady state
        const std::uint64_t upto = m_appended;
        lock.unlock();
        write_all(m_fd, batch);
        batch.clear();
        lock.lock();
        m_done = upto;
        m_written.notify_all();
    }
    m_written.notify_all();
}

}  // namespace shiplog::daemon
