// `shiplog drift`: the commits waiting between two environments, as a table
// (oldest first, with how long each has waited) or the API's JSON.
#include <cstdio>
#include <string>

#include "cli/read_context.hpp"
#include "common/time_format.hpp"
#include "daemon/commands.hpp"
#include "routes/drift_route.hpp"
#include "storage/store.hpp"
#include "tracking/drift.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {
namespace {

std::string waited(std::int64_t seconds) {
    if (seconds >= 86400)
        return std::to_string(seconds / 86400) + "d " + std::to_string(seconds % 86400 / 3600) +
               "h";
    if (seconds >= 3600)
        return std::to_string(seconds / 3600) + "h " + std::to_string(seconds % 3600 / 60) + "m";
    return std::to_string(seconds / 60) + "m";
}

}  // namespace

int run_drift(const std::filesystem::path& config_path, const DriftOptions& options) {
    int exit_code = 0;
    auto ctx = open_for_reading(
        config_path,
        [&](const config::Config& loaded) {
            return drift_selection_error(loaded, options.deployment, options.from, options.to);
        },
        exit_code);
    if (!ctx) return exit_code;
    return read_exit_code(*ctx, [&](storage::Txn& txn) {
        auto drift = tracking::query_drift(txn, ctx->tables, ctx->config, options.deployment,
                                           options.from, options.to, system_clock().now());
        if (!drift) {
            std::fprintf(stderr, "%s\n", drift.error().message.c_str());
            return 1;
        }
        if (options.json) {
            std::printf("%s\n", tracking::drift_json(*drift).c_str());
            return 0;
        }
        std::printf("%s: %s runs %s, %s runs %s\n", drift->deployment.c_str(), drift->from.c_str(),
                    drift->from_sha ? drift->from_sha->substr(0, 12).c_str() : "nothing",
                    drift->to.c_str(),
                    drift->to_sha ? drift->to_sha->substr(0, 12).c_str() : "nothing");
        if (drift->commits.empty()) {
            std::printf("no drift: %s has every commit %s has\n", drift->to.c_str(),
                        drift->from.c_str());
            return 0;
        }
        std::printf("%zu commit(s) in %s not yet in %s, oldest first:\n", drift->commits.size(),
                    drift->from.c_str(), drift->to.c_str());
        for (const auto& c : drift->commits)
            std::printf("  %s  %-20s waiting %-8s %s  %s\n", c.commit.sha.substr(0, 12).c_str(),
                        format_rfc3339(c.deployed_at).c_str(), waited(c.waiting_seconds).c_str(),
                        c.commit.author_email.c_str(), c.commit.summary.c_str());
        return 0;
    });
}

}  // namespace shiplog::daemon
