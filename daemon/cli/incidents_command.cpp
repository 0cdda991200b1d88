// `shiplog incidents`: one line per incident (id, opened, restored or
// "open", blamed deploys, title) or the API's JSON.
#include <chrono>
#include <cstdio>
#include <string>

#include "cli/cli_selection.hpp"
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
    tracking::IncidentQuery query;
    query.until = now;
    query.since = now - std::chrono::days{30};
    if (!options.until.empty()) {
        auto until = parse_cli_time_at(options.until, now);
        if (!until) {
            std::fprintf(stderr, "--until: %s\n", until.error().message.c_str());
            return 2;
        }
        query.until = *until;
        query.since = *until - std::chrono::days{30};
    }
    if (!options.since.empty()) {
        auto since = parse_cli_time_at(options.since, now);
        if (!since) {
            std::fprintf(stderr, "--since: %s\n", since.error().message.c_str());
            return 2;
        }
        query.since = *since;
    }
    if (!options.deployment.empty()) query.deployment = options.deployment;
    if (!options.environment.empty()) query.environment = options.environment;

    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    if (auto error = selection_error(*loaded, options.deployment, options.environment)) {
        std::fprintf(stderr, "%s\n", error->c_str());
        return 2;
    }
    auto store =
        storage::Store::open({loaded->storage.path, loaded->storage.max_size_mb << 20, true});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", loaded->storage.path.c_str(),
                     store.error().message.c_str());
        return 1;
    }
    auto tables = tracking::Tables::open(**store);
    if (!tables) {
        std::fprintf(stderr, "%s\n", tables.error().message.c_str());
        return 1;
    }
    auto code = storage::read(**store, "store", [&](storage::Txn& txn) {
        auto found = tracking::query_incidents(txn, *tables, *loaded, query);
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
    if (!code) {
        std::fprintf(stderr, "%s\n", code.error().message.c_str());
        return 1;
    }
    if (*code != 0) return *code;
    return 0;
}

}  // namespace shiplog::daemon
