#include "runtime/startup.hpp"

#include "config/load_config.hpp"
#include "daemon/projection_sync.hpp"

namespace shiplog::daemon {

Startup::~Startup() {
    if (writer) writer->stop();
}

tl::expected<Startup, Refusal> start_up(const std::filesystem::path& config_path,
                                        const config::Environment& env, const StartupSteps& steps) {
    auto refuse = [](std::string message, int exit_code = 1) {
        return tl::unexpected(Refusal{std::move(message), exit_code});
    };
    auto loaded = config::load_config(config_path, env);
    if (!loaded) return refuse(loaded.error().message);
    if (steps.check)
        if (auto refusal = steps.check(*loaded)) return tl::unexpected(std::move(*refusal));

    Startup s;
    s.config = std::make_unique<ConfigHolder>(std::move(*loaded));
    s.m_initial = s.config->get();
    const auto& cfg = *s.m_initial;
    auto store = storage::Store::open({cfg.storage.path, cfg.storage.max_size_mb << 20, false});
    if (!store) return refuse("store " + cfg.storage.path.string() + ": " + store.error().message);
    s.store = std::move(*store);

    if (steps.lock != ServeLockUse::none) {
        auto lock = ServeLock::acquire(cfg.storage.path);
        if (lock)
            s.lock.emplace(std::move(*lock));
        else if (steps.lock == ServeLockUse::required)
            return refuse(lock.error().message);
    }
    if (steps.sync_projections && (steps.lock != ServeLockUse::when_free || s.lock)) {
        if (steps.before_sync) steps.before_sync();
        if (auto synced = sync_projections(*s.store, cfg, s.rebuilt); !synced)
            return refuse("rebuilding derived data: " + synced.error().message);
    }
    if (!steps.intake) return s;

    auto* holder = s.config.get();
    auto projector = tracking::Projector::open(*s.store, [holder] { return holder->get(); });
    if (!projector)
        return refuse("store " + cfg.storage.path.string() + ": " + projector.error().message);
    s.projector = std::move(*projector);
    Clock& clock = steps.clock ? *steps.clock : system_clock();
    s.writer = storage::JournalWriter::start(*s.store, clock, s.projector.get());
    s.intake = std::make_unique<EventIntake>(*s.writer, *s.config, clock, steps.metrics);
    return s;
}

}  // namespace shiplog::daemon
