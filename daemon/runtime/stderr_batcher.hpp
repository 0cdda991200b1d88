#pragma once
// Log lines leave the process from one background thread: a request thread
// only appends its line to a buffer (a mutex and a memcpy; no syscall, no
// wake-up), and the thread writes what gathered in one write(2) at most
// k_gather_window after the first line of a batch. Under load that is ~100
// writes and wake-ups per second instead of one write per request (the access
// log line was a write(2) on the request path, under the sink's mutex that
// all 100 workers share). A line may reach stderr up to k_gather_window late.
//
// flush() returns once everything appended before it is written: spdlog calls
// it for warnings and errors (so those, and every line before them, are out
// before the caller continues) and the destructor flushes and joins, so lines
// logged up to the end of main() (SIGTERM included) are written. Lines still
// buffered when the process is killed outright are lost: log durability is
// not a promise, stored events are.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace shiplog::daemon {

class StderrBatcher {
  public:
    explicit StderrBatcher(int fd);
    ~StderrBatcher();
    StderrBatcher(const StderrBatcher&) = delete;
    StderrBatcher& operator=(const StderrBatcher&) = delete;

    void append(std::string_view line);
    void flush();

    static constexpr std::chrono::milliseconds k_gather_window{10};

  private:
    void run();

    const int m_fd;
    std::mutex m_mutex;
    std::condition_variable m_wake;     // lines appended, or stopping
    std::condition_variable m_written;  // a batch was written
    std::string m_pending;              // guarded by m_mutex
    std::uint64_t m_appended = 0;       // batches handed to append(), guarded
    std::uint64_t m_done = 0;           // appends written so far, guarded
    bool m_idle = false;                // the thread waits for a first line, guarded
    bool m_flush_requested = false;     // flush() waits: write now, guarded
    bool m_stopping = false;            // guarded
    std::thread m_thread;               // last: starts after the members exist
};

}  // namespace shiplog::daemon
