#pragma once
// Time in shiplog: one Timestamp type (UTC, nanoseconds, enough for Azure
// DevOps' 100 ns precision) and an injectable Clock so that anything that
// timestamps, expires or computes a window can be tested without sleeping.

#include <chrono>

namespace shiplog {

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// Thread-safe: now() may be called from any thread.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

// The real wall clock.
Clock& system_clock();

}  // namespace shiplog
