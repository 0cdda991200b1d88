#include "common/clock.hpp"

namespace shiplog {
namespace {
class SystemClock final : public Clock {
  public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now());
    }
};
}  // namespace

Clock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace shiplog
