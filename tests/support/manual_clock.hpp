#pragma once
// A Clock that only moves when the test says so.
#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace shiplog::testing {

class ManualClock final : public Clock {
  public:
    explicit ManualClock(Timestamp start = Timestamp{std::chrono::seconds{1'700'000'000}})
        : m_now(start.time_since_epoch().count()) {}
    Timestamp now() const override { return Timestamp{std::chrono::nanoseconds{m_now.load()}}; }
    void set(Timestamp t) { m_now = t.time_since_epoch().count(); }
    void advance(std::chrono::nanoseconds d) { m_now += d.count(); }

  private:
    std::atomic<std::int64_t> m_now;
};

}  // namespace shiplog::testing
