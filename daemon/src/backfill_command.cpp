// `shiplog backfill`: see BackfillOptions in daemon/commands.hpp
// and docs/azure-devops.md. The pass itself is backfill.cpp (shared with
// serve's automatic backfill); this is the CLI around it.
#include <algorithm>
#include <cstdio>

#include "azure/client.hpp"
#include "backfill.hpp"
#include "cli_selection.hpp"
#include "common/cli_time.hpp"
#include "common/time_format.hpp"
#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/projection_sync.hpp"
#include "daemon/serve_lock.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace shiplog::daemon {

int run_backfill(const std::filesystem::path& config_path, const BackfillOptions& options) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    ConfigHolder config(std::move(*loaded));
    auto cfg = config.get();
    if (auto error = selection_error(*cfg, options.deployment, "")) {
        std::fprintf(stderr, "%s\n", error->c_str());
        return 2;
    }
    if (!cfg->azure_devops) {
        std::fprintf(stderr,
                     "backfill needs an [azure_devops] section (organization_url and a token)\n");
        return 1;
    }
    auto store = storage::Store::open({cfg->storage.path, cfg->storage.max_size_mb << 20, false});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", cfg->storage.path.c_str(),
                     store.error().message.c_str());
        return 1;
    }
    // Beside a running serve, serve keeps derived data in step with the
    // config; alone, backfill does (like ingest).
    auto lock = ServeLock::acquire(cfg->storage.path);
    if (lock) {
        bool rebuilt = false;
        if (auto synced = sync_projections(**store, *cfg, rebuilt); !synced) {
            std::fprintf(stderr, "rebuilding derived data: %s\n", synced.error().message.c_str());
            return 1;
        }
    }

    Timestamp since{};
    if (!options.since.empty()) {
        auto parsed = parse_cli_time_at(options.since, system_clock().now());
        if (!parsed) {
            std::fprintf(stderr, "--since: %s\n", parsed.error().message.c_str());
            return 2;
        }
        since = *parsed;
    } else if (auto last = last_delivery(**store)) {
        since = *last;
    } else {
        since = system_clock().now() - azure::k_notification_history;
    }
    const std::string since_text = format_rfc3339(since);
    std::printf("backfill since %s\n", since_text.c_str());

    auto client = azure::make_http_client(*cfg->azure_devops);
    if (!client) {
        std::fprintf(stderr, "%s\n", client.error().message.c_str());
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
    BackfillLog log;
    log.stored = [](const std::string& what) { std::printf("%s: stored\n", what.c_str()); };
    log.error = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    auto report = run_backfill_pass(**client, *cfg, intake, {since, options.deployment}, log);
    writer->stop();
    std::printf("backfill: %zu stored, %zu already known, %zu not relevant, %zu failed\n",
                report.stored, report.duplicate, report.ignored, report.failed);
    return report.ok() ? 0 : 1;
}

}  // namespace shiplog::daemon
