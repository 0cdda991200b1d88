// `shiplog deploys`, `shiplog deploy show` and `shiplog reindex`.
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>

#include "cli/cli_selection.hpp"
#include "cli/read_context.hpp"
#include "common/cli_time.hpp"
#include "common/progress.hpp"
#include "common/time_format.hpp"
#include "daemon/commands.hpp"
#include "daemon/projection_sync.hpp"
#include "runtime/startup.hpp"
#include "storage/store.hpp"
#include "tracking/deploy.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {
namespace {

std::string short_sha(const std::string& sha) {
    return sha.empty() ? "(pending)" : sha.substr(0, 12);
}

std::string failure_text(tracking::Failure failure) {
    return failure == tracking::Failure::none ? "-" : tracking::to_string(failure);
}

void print_table(const std::vector<tracking::DeployView>& deploys) {
    std::printf("%-40s %-20s %-12s %-9s %-8s %7s %s\n", "ID", "DEPLOYED_AT", "SHA", "STATUS",
                "FAILURE", "COMMITS", "WORK_ITEMS");
    for (const auto& d : deploys) {
        std::string items;
        for (auto id : d.work_items) items += (items.empty() ? "" : ",") + std::to_string(id);
        std::string commits = std::to_string(d.commits.size()) + (d.commits_complete ? "" : "+");
        std::printf("%-40s %-20s %-12s %-9s %-8s %7s %s\n", d.id().c_str(),
                    format_rfc3339(d.deployed_at).c_str(), short_sha(d.sha).c_str(),
                    tracking::to_string(d.status), failure_text(d.failure).c_str(), commits.c_str(),
                    items.empty() ? "-" : items.c_str());
    }
    if (deploys.empty()) std::printf("(no deploys)\n");
}

}  // namespace

int run_deploys(const std::filesystem::path& config_path, const DeploysOptions& options) {
    // Usage errors first (exit 2), before the config or the store can fail.
    const auto now = system_clock().now();
    std::optional<Timestamp> since, until;
    for (auto [flag, text, bound] : {std::tuple{"--since", &options.since, &since},
                                     std::tuple{"--until", &options.until, &until}}) {
        if (text->empty()) continue;
        auto parsed = parse_cli_time_at(*text, now);
        if (!parsed) {
            std::fprintf(stderr, "%s: %s\n", flag, parsed.error().message.c_str());
            return 2;
        }
        *bound = *parsed;
    }
    if (since && until && *since > *until) {
        std::fprintf(stderr, "--since %s is after --until %s\n", format_rfc3339(*since).c_str(),
                     format_rfc3339(*until).c_str());
        return 2;
    }
    int exit_code = 0;
    auto ctx = open_for_reading(
        config_path, selection_check(options.deployment, options.environment), exit_code);
    if (!ctx) return exit_code;
    tracking::DeployFilter filter;
    if (!options.deployment.empty()) filter.deployment = options.deployment;
    if (!options.environment.empty()) filter.environment = options.environment;
    // since/until/--failed are not in the deploy index: read every matching
    // deploy, filter, then cut to --limit (as GET /api/v1/deploys does).
    const bool filtered = since || until || options.failed;
    filter.limit = filtered ? 0 : options.limit;
    return read_exit_code(*ctx, [&](storage::Txn& txn) {
        auto deploys = tracking::list_deploys(txn, ctx->tables, filter);
        if (!deploys) {
            std::fprintf(stderr, "%s\n", deploys.error().message.c_str());
            return 1;
        }
        if (filtered) {
            std::erase_if(*deploys, [&](const tracking::DeployView& d) {
                return (since && d.deployed_at < *since) || (until && d.deployed_at >= *until) ||
                       (options.failed && d.failure == tracking::Failure::none);
            });
            if (deploys->size() > options.limit) deploys->resize(options.limit);
        }
        if (options.json)
            std::printf("%s\n", tracking::deploys_json(*deploys).c_str());
        else
            print_table(*deploys);
        return 0;
    });
}

int run_deploy_show(const std::filesystem::path& config_path, const std::string& id, bool json) {
    int exit_code = 0;
    auto ctx = open_for_reading(config_path, {}, exit_code);
    if (!ctx) return exit_code;
    return read_exit_code(*ctx, [&](storage::Txn& txn) {
        auto deploy = tracking::get_deploy(txn, ctx->tables, id);
        if (!deploy) {
            std::fprintf(stderr, "%s\n", deploy.error().message.c_str());
            return deploy.error().code == ErrorCode::invalid_argument ? 2 : 1;
        }
        if (json) {
            std::printf("%s\n", tracking::deploy_json(*deploy).c_str());
            return 0;
        }
        const auto& d = *deploy;
        std::printf("deploy      %s\n", d.id().c_str());
        std::printf("deployed at %s\n", format_rfc3339(d.deployed_at).c_str());
        std::printf("sha         %s\n", d.sha.empty() ? "(pending REST look-up)" : d.sha.c_str());
        std::printf("trigger     %s\n", config::to_string(d.trigger));
        std::printf("status      %s\n", tracking::to_string(d.status));
        std::printf("failure     %s\n", failure_text(d.failure).c_str());
        std::printf("commits     %zu%s\n", d.commits.size(),
                    d.commits_complete ? "" : " (incomplete: REST look-up pending)");
        for (const auto& c : d.commits)
            std::printf("  %s %-24s %s %s\n", c.sha.substr(0, 12).c_str(), c.author_email.c_str(),
                        c.authored_at ? format_rfc3339(*c.authored_at).c_str() : "-",
                        c.summary.c_str());
        std::string items;
        for (auto w : d.work_items) items += (items.empty() ? "" : ", ") + std::to_string(w);
        std::printf("work items  %s\n", items.empty() ? "-" : items.c_str());
        auto pending = tracking::pending_for(txn, ctx->tables, d);
        if (pending && !pending->empty()) {
            std::printf("pending over REST:\n");
            for (const auto& item : *pending)
                std::printf("  %s%s%s\n", item.key.c_str(),
                            item.failed.empty() ? "" : "  FAILED: ", item.failed.c_str());
        }
        return 0;
    });
}

int run_reindex(const std::filesystem::path& config_path) {
    StartupSteps steps;
    steps.lock = ServeLockUse::required;
    steps.sync_projections = false;  // rebuilt below, whatever the fingerprint says
    steps.intake = false;
    auto started = start_up(config_path, config::Environment::process(), steps);
    if (!started) {
        std::fprintf(stderr, "reindex: %s\n", started.error().message.c_str());
        return started.error().exit_code;
    }
    Progress progress("reindex", "journal entries", 0);
    auto done = rebuild_projections(*started->store, started->initial(),
                                    [&](std::uint64_t n, std::uint64_t total) {
                                        progress.set_total(total);
                                        progress.update(n);
                                    });
    if (!done) {
        std::fprintf(stderr, "reindex: %s\n", done.error().message.c_str());
        return 1;
    }
    progress.finish();
    std::printf("reindex: derived data rebuilt from the journal\n");
    return 0;
}

}  // namespace shiplog::daemon
