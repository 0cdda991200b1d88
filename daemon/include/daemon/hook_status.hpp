#pragma once
// Where the HTTP edge reads the hook sync state for /api/v1/hooks. `serve`
// creates the board before the server and attaches the HookSyncWorker once it
// runs (the worker starts after the listener), detaching it before the worker
// stops; requests in between see "no worker".
//
// Threading: every member may be called from any thread.

#include <mutex>
#include <optional>

#include "azure/hook_sync_worker.hpp"

namespace shiplog::daemon {

class HookStatusBoard {
  public:
    struct State {
        azure::HookSyncWorker::LastRun last_run;
        azure::HookSyncWorker::Stats stats;
    };

    void attach(const azure::HookSyncWorker* worker) {
        std::lock_guard lock(m_mutex);
        m_worker = worker;
    }
    void detach() { attach(nullptr); }

    // nullopt while no worker is attached.
    std::optional<State> get() const {
        std::lock_guard lock(m_mutex);
        if (!m_worker) return std::nullopt;
        return State{m_worker->last_run(), m_worker->stats()};
    }

  private:
    mutable std::mutex m_mutex;
    const azure::HookSyncWorker* m_worker = nullptr;
};

}  // namespace shiplog::daemon
