#pragma once
// The config currently in force. SIGHUP swaps in a new immutable Config;
// readers take a snapshot (shared_ptr) and keep using it for the whole
// request, so a reload never changes a request's view halfway.
//
// Threading: get() and set() may be called from any thread.

#include <memory>
#include <mutex>

#include "config/config.hpp"

namespace shiplog::daemon {

class ConfigHolder {
  public:
    explicit ConfigHolder(config::Config initial)
        : m_current(std::make_shared<const config::Config>(std::move(initial))) {}

    std::shared_ptr<const config::Config> get() const {
        std::lock_guard lock(m_mutex);
        return m_current;
    }

    void set(config::Config next) {
        auto ptr = std::make_shared<const config::Config>(std::move(next));
        std::lock_guard lock(m_mutex);
        m_current = std::move(ptr);
    }

  private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const config::Config> m_current;
};

}  // namespace shiplog::daemon
