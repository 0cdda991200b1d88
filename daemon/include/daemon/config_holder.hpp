#pragma once
// The config currently in force. SIGHUP swaps in a new immutable Config;
// readers take a snapshot (shared_ptr) and keep using it for the whole
// request, so a reload never changes a request's view halfway.
//
// Threading: get() and set() may be called from any thread. get() runs on
// every request from up to 100 workers, so it takes no mutex: the pointer is
// a std::atomic<std::shared_ptr> (libstdc++ guards it with a spin bit held
// only for the reference-count increment, never across a system call).

#include <atomic>
#include <memory>

#include "config/config.hpp"

namespace shiplog::daemon {

class ConfigHolder {
  public:
    explicit ConfigHolder(config::Config initial)
        : m_current(std::make_shared<const config::Config>(std::move(initial))) {}

    std::shared_ptr<const config::Config> get() const {
        return m_current.load(std::memory_order_acquire);
    }

    void set(config::Config next) {
        m_current.store(std::make_shared<const config::Config>(std::move(next)),
                        std::memory_order_release);
    }

  private:
    std::atomic<std::shared_ptr<const config::Config>> m_current;
};

}  // namespace shiplog::daemon
