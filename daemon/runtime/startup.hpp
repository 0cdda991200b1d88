#pragma once
// The one start-up path of the commands that write (serve, ingest, demo,
// backfill, reindex): the configuration, a usage check of the command's
// flags against it, the store, the serve lock, derived data in step with
// the deployments, then the projector, the journal writer and the event
// intake. Each command asks for the steps it needs and reports a failure
// its own way (a stderr line, or spdlog for serve).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "config/load_config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/serve_lock.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace shiplog::daemon {

class Metrics;

// Why a command stops before it starts, and its exit code.
struct Refusal {
    std::string message;
    int exit_code = 1;
};

// Looks at the loaded configuration before anything is opened: a usage
// error in the command's flags (exit 2), a section the command needs, or
// nothing to object to.
using ConfigCheck = std::function<std::optional<Refusal>(const config::Config&)>;

enum class ServeLockUse {
    none,       // ingest, demo: the writer's own lock keeps the journal whole
    required,   // serve, reindex: refuse beside a running serve
    when_free,  // backfill: beside serve, serve keeps derived data in step
};

struct StartupSteps {
    ConfigCheck check;
    ServeLockUse lock = ServeLockUse::none;
    // Derived data checked against the deployments (and rebuilt when they
    // changed); without the serve lock only when it was free.
    bool sync_projections = true;
    // Projector, journal writer and intake; reindex stops before them.
    bool intake = true;
    // serve: told before a sync that may rebuild for a while.
    std::function<void()> before_sync;
    Clock* clock = nullptr;      // system_clock() when null
    Metrics* metrics = nullptr;  // serve's; nothing counts elsewhere
};

struct Startup {
    // Heap-held so their addresses outlive a move: the projector and the
    // intake keep referring to them.
    std::unique_ptr<ConfigHolder> config;
    std::unique_ptr<storage::Store> store;
    std::optional<ServeLock> lock;
    bool rebuilt = false;  // the sync rebuilt derived data from the journal
    std::unique_ptr<tracking::Projector> projector;
    std::unique_ptr<storage::JournalWriter> writer;
    std::unique_ptr<EventIntake> intake;

    // The configuration loaded at start-up (a reload may replace it later).
    const config::Config& initial() const { return *m_initial; }

    // Stops the writer (every submitted event committed), then lets go of
    // the rest in reverse order.
    ~Startup();
    Startup() = default;
    Startup(Startup&&) = default;

  private:
    std::shared_ptr<const config::Config> m_initial;
    friend tl::expected<Startup, Refusal> start_up(const std::filesystem::path& config_path,
                                                   const config::Environment& env,
                                                   const StartupSteps& steps);
};

tl::expected<Startup, Refusal> start_up(const std::filesystem::path& config_path,
                                        const config::Environment& env, const StartupSteps& steps);

}  // namespace shiplog::daemon
