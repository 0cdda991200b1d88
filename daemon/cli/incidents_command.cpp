// `shiplog incidents`: one line per incident (id, opened, restored or
// "open", blamed deploys, title) or the API's JSON.
#include <chrono>
#include <cstdio>
#include <string>

#include "cli/cli_selection.hpp"
#include "cli/read_context.hpp"
#include "common/cli_time.hpp"
#include "common/time_format.hpp"
#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "storage/store.hpp"
#include "tracking/incident.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

int run_incidents(const std::filesystem::path& config_path, const IncidentsOptions& options) {
    const auto now = system_clock().now();
    auto window = window_from_flags(options.since, options.until, now);
    if (!window) return 2;
    tracking::IncidentQuery query;
    query.since = window->since;
    query.until = window->until;
    if (!options.deployment.empty()) query.deployment = options.deployment;
    if (!options.environment.empty()) query.environment = options.environment;

    int exit_code = 0;
    auto ctx = open_for_reading(
        config_path, selection_check(options.deployment, options.environment), exit_code);
    if (!ctx) return exit_code;
    return read_exit_code(*ctx, [&](storage::Txn& txn) {
        auto found = tracking::query_incidents(txn, ctx->tables, ctx->config, query);
        if (!found) {
            std::fprintf(stderr, "%s\n", found.error().message.c_str());
            return 1;
        }
        if (options.json) {
            std::printf("%s\n", tracking::incidents_json(*found).c_str());
            return 0;
        }
        if (found->empty()) {
            std::printf("no incidents opened or restored from %s to %s\n",
                        format_rfc3339(query.since).c_str(), format_rfc3339(query.until).c_str());
            return 0;
        }
        std::printf("%-32s %-20s %-20s %-40s %s\n", "ID", "OPENED", "RESTORED", "BLAMED DEPLOY",
                    "TITLE");
        for (const auto& listing : *found) {
            const auto& v = listing.incident;
            std::string blamed;
            for (const auto& id : listing.blamed_deploys)
                blamed += (blamed.empty() ? "" : ",") + id;
            std::printf("%-32s %-20s %-20s %-40s %s\n", v.id.c_str(),
                        format_rfc3339(v.created_at).c_str(),
                        v.restored_at ? format_rfc3339(*v.restored_at).c_str() : "open",
                        blamed.empty() ? "-" : blamed.c_str(), v.title.c_str());
        }
        return 0;
    });
}

}  // namespace shiplog::daemon
