// `shiplog backfill`: see BackfillOptions in daemon/commands.hpp
// and docs/azure-devops.md. The pass itself is backfill.cpp (shared with
// serve's automatic backfill); this is the CLI around it.
#include <algorithm>
#include <cstdio>

#include "azure/client.hpp"
#include "cli/cli_selection.hpp"
#include "common/cli_time.hpp"
#include "common/progress.hpp"
#include "common/time_format.hpp"
#include "daemon/commands.hpp"
#include "runtime/startup.hpp"
#include "workers/backfill.hpp"

namespace shiplog::daemon {

int run_backfill(const std::filesystem::path& config_path, const BackfillOptions& options) {
    StartupSteps steps;
    steps.check = [&](const config::Config& loaded) -> std::optional<Refusal> {
        if (auto error = selection_error(loaded, options.deployment, ""))
            return Refusal{std::move(*error), 2};
        if (!loaded.azure_devops)
            return Refusal{
                "backfill needs an [azure_devops] section (organization_url and a token)"};
        return std::nullopt;
    };
    // Beside a running serve, serve keeps derived data in step with the
    // config; alone, backfill does (like ingest).
    steps.lock = ServeLockUse::when_free;
    auto started = start_up(config_path, config::Environment::process(), steps);
    if (!started) {
        std::fprintf(stderr, "%s\n", started.error().message.c_str());
        return started.error().exit_code;
    }
    const config::Config& cfg = started->initial();

    Timestamp since{};
    if (!options.since.empty()) {
        auto parsed = parse_cli_time_at(options.since, system_clock().now());
        if (!parsed) {
            std::fprintf(stderr, "--since: %s\n", parsed.error().message.c_str());
            return 2;
        }
        since = *parsed;
    } else if (auto last = last_delivery(*started->store)) {
        since = *last;
    } else {
        since = system_clock().now() - azure::k_notification_history;
    }
    const std::string since_text = format_rfc3339(since);
    std::printf("backfill since %s\n", since_text.c_str());

    auto client = azure::make_http_client(*cfg.azure_devops);
    if (!client) {
        std::fprintf(stderr, "%s\n", client.error().message.c_str());
        return 1;
    }
    // The number of events is not known ahead: a count and a rate, no bar.
    Progress progress("backfill", "events", 0);
    BackfillLog log;
    log.stored = [&progress](const std::string& what) {
        progress.clear();
        std::printf("%s: stored\n", what.c_str());
        std::fflush(stdout);
    };
    log.error = [&progress](const std::string& line) {
        progress.clear();
        std::fprintf(stderr, "%s\n", line.c_str());
    };
    log.progress = [&progress](std::size_t n) { progress.update(n); };
    auto report =
        run_backfill_pass(**client, cfg, *started->intake, {since, options.deployment}, log);
    started->writer->stop();
    progress.finish(std::to_string(report.failed) + " failed");
    std::printf("backfill: %zu stored, %zu already known, %zu not relevant, %zu failed\n",
                report.stored, report.duplicate, report.ignored, report.failed);
    return report.ok() ? 0 : 1;
}

}  // namespace shiplog::daemon
