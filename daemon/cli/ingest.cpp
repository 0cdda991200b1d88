#include <cstdio>
#include <fstream>
#include <iterator>

#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/projection_sync.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace shiplog::daemon {
namespace {
constexpr auto k_ingest_commit_timeout = std::chrono::milliseconds{60000};
}

int run_ingest(const std::filesystem::path& config_path, const std::vector<std::string>& files) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    ConfigHolder config(std::move(*loaded));
    auto cfg = config.get();
    auto store = storage::Store::open({cfg->storage.path, cfg->storage.max_size_mb << 20, false});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", cfg->storage.path.c_str(),
                     store.error().message.c_str());
        return 1;
    }
    bool rebuilt = false;
    if (auto synced = sync_projections(**store, *cfg, rebuilt); !synced) {
        std::fprintf(stderr, "rebuilding derived data: %s\n", synced.error().message.c_str());
        return 1;
    }
    auto projector = tracking::Projector::open(**store, [&config] { return config.get(); });
    if (!projector) {
        std::fprintf(stderr, "store %s: %s\n", cfg->storage.path.c_str(),
                     projector.error().message.c_str());
        return 1;
    }
    auto writer = storage::JournalWriter::start(**store, system_clock(), projector->get());
    EventIntake intake(*writer, config, system_clock(), nullptr);

    bool any_error = false;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::printf("%s: error: cannot read file\n", file.c_str());
            any_error = true;
            continue;
        }
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto result = intake.submit(body, storage::EventSource::ingest, k_ingest_commit_timeout);
        if (!result) {
            std::printf("%s: error: %s\n", file.c_str(), result.error().message.c_str());
            any_error = true;
            continue;
        }
        if (result->status == IntakeStatus::ignored)
            std::printf("%s: ignored: %s\n", file.c_str(), result->reason.c_str());
        else
            std::printf("%s: %s\n", file.c_str(), to_string(result->status));
    }
    writer->stop();
    return any_error ? 1 : 0;
}

}  // namespace shiplog::daemon
