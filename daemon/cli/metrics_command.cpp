// `shiplog metrics`: DORA figures as a table with each definition beside its
// number (rates as percentages, durations in days/hours/minutes), as the
// API's JSON (exact seconds and fractions), and with --explain the records
// behind each figure.
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
#include "tracking/dora.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {
namespace {

std::string rate_text(const std::optional<double>& v) {
    return v ? tracking::format_rate(*v) : "-";
}

std::string percent_text(const std::optional<double>& v) {
    return v ? format_percent(*v) : "-";
}

// "1d 4h": the exact seconds are in --json.
std::string duration_text(const std::optional<double>& v) {
    if (!v) return "-";
    return format_duration(std::chrono::seconds{static_cast<long long>(*v)});
}

std::string duration_text(long long seconds) {
    return format_duration(std::chrono::seconds{seconds});
}

void print_table(const tracking::DoraFigures& f) {
    std::printf("DORA metrics for %s / %s, [%s, %s)\n\n",
                f.deployment.value_or("all deployments").c_str(),
                f.environment.value_or("all environments").c_str(), format_rfc3339(f.since).c_str(),
                format_rfc3339(f.until).c_str());
    auto row = [](const char* name, const std::string& value, const char* definition) {
        std::printf("%-24s %-26s %s\n", name, value.c_str(), definition);
    };
    row("deploys", std::to_string(f.deploys),
        "succeeded deploys in the window, whether or not later blamed");
    row("deploys per day", rate_text(f.deploys_per_day), "deploys / window length in days");
    row("deploy days", std::to_string(f.deploy_days),
        "UTC days with at least one succeeded deploy");
    row("lead time median", duration_text(f.lead_time_median),
        "first succeeded deploy shipping a commit minus its authored_at; middle value");
    row("lead time p90",
        duration_text(f.lead_time_p90 ? std::optional<double>(static_cast<double>(*f.lead_time_p90))
                                      : std::nullopt),
        "90th percentile of the same, nearest rank");
    row("lead time commits", std::to_string(f.lead_time_commits),
        "commits first shipped in the window");
    row("change failure rate", percent_text(f.change_failure_rate),
        "deploys with a failure (failed, rolled back, blamed for an incident) / (succeeded + "
        "failed)");
    row("time to restore median", duration_text(f.time_to_restore_median),
        "failed deploy -> next success, incident created -> closed, rolled-back deploy -> "
        "rollback");
    row("restored failures", std::to_string(f.time_to_restore_failures),
        "failures restored in the window");
    auto spread = [&](const char* name, const tracking::Spread& s, const char* definition) {
        const std::string p90 =
            s.p90 ? duration_text(static_cast<long long>(*s.p90)) : std::string("-");
        row(name, duration_text(s.median) + " (p90 " + p90 + ")", definition);
    };
    spread("coding time", f.coding, "PR created minus its first commit's author date; median");
    spread("pickup time", f.pickup, "first review (vote or comment by another) minus PR created");
    spread("review time", f.review, "PR merged minus first review");
    spread("deploy time", f.deploy, "first succeeded deploy shipping the PR minus its merge");
    row("pull requests", std::to_string(f.pull_requests),
        "pull requests first shipped in the window");
    row("direct commits", std::to_string(f.direct_commits),
        "commits first shipped in the window that no pull request brought");
    row("rework rate", percent_text(f.rework_rate),
        "rollback, incident-fix or hotfix deploys / succeeded deploys");
    std::string sizes =
        std::to_string(f.batch_counts[0]) + " S, " + std::to_string(f.batch_counts[1]) + " M, " +
        std::to_string(f.batch_counts[2]) + " L, " + std::to_string(f.batch_counts[3]) + " XL";
    row("batch size",
        (f.batch_median_commits ? tracking::format_seconds(*f.batch_median_commits)
                                : std::string("-")) +
            " commits",
        "median commits per succeeded deploy (S <= 5, M <= 20, L <= 100, XL above)");
    row("batch sizes", sizes, "succeeded deploys per size");
    std::printf("\n'-' means no data: the figure's denominator is 0.\n");
}

void print_explain(const tracking::DoraFigures& f) {
    std::printf("\nchanges (succeeded + failed deploys in the window): %zu\n",
                f.explain.changes.size());
    for (const auto& c : f.explain.changes) {
        std::string incidents;
        for (const auto& id : c.incidents)
            incidents += (incidents.empty() ? " incidents " : ",") + id;
        std::printf("  %-40s %-9s failure=%s rework=%s batch=%s%s\n", c.deploy_id.c_str(),
                    tracking::to_string(c.status),
                    c.failure == tracking::Failure::none ? "-" : tracking::to_string(c.failure),
                    c.rework == tracking::Rework::none ? "-" : tracking::to_string(c.rework),
                    tracking::batch_size_class(c.batch.commits), incidents.c_str());
    }
    std::printf("\ncommits first shipped in the window (lead time): %zu\n",
                f.explain.commits.size());
    for (const auto& c : f.explain.commits)
        std::printf("  %s authored %s shipped %s by %s: %s\n", c.sha.c_str(),
                    format_rfc3339(c.authored_at).c_str(), format_rfc3339(c.deployed_at).c_str(),
                    c.deploy_id.c_str(), duration_text(static_cast<long long>(c.seconds)).c_str());
    std::printf("\nfailures restored in the window (time to restore): %zu\n",
                f.explain.restores.size());
    for (const auto& r : f.explain.restores)
        std::printf("  %-13s %s at %s, restored by %s at %s: %s\n", tracking::to_string(r.kind),
                    r.failure.c_str(), format_rfc3339(r.failed_at).c_str(), r.restored_by.c_str(),
                    format_rfc3339(r.restored_at).c_str(),
                    duration_text(static_cast<long long>(r.seconds)).c_str());
    std::printf("\npull requests first shipped in the window (lead time breakdown): %zu\n",
                f.explain.pull_requests.size());
    for (const auto& p : f.explain.pull_requests)
        std::printf("  PR %lld by %s: coding %s, pickup %s, review %s, deploy %s\n",
                    static_cast<long long>(p.id), p.deploy_id.c_str(),
                    p.coding ? duration_text(static_cast<long long>(*p.coding)).c_str() : "-",
                    duration_text(static_cast<long long>(p.pickup)).c_str(),
                    duration_text(static_cast<long long>(p.review)).c_str(),
                    duration_text(static_cast<long long>(p.deploy)).c_str());
}

}  // namespace

int run_metrics(const std::filesystem::path& config_path, const MetricsOptions& options) {
    const auto now = system_clock().now();
    auto window = window_from_flags(options.since, options.until, now);
    if (!window) return 2;
    tracking::DoraQuery query;
    query.since = window->since;
    query.until = window->until;
    if (query.since > query.until) {
        std::fprintf(stderr, "--since %s is after --until %s\n",
                     format_rfc3339(query.since).c_str(), format_rfc3339(query.until).c_str());
        return 2;
    }
    if (!options.deployment.empty()) query.deployment = options.deployment;
    if (!options.environment.empty()) query.environment = options.environment;
    query.explain = options.explain;  // without it only index rows are read

    int exit_code = 0;
    auto ctx = open_for_reading(
        config_path, selection_check(options.deployment, options.environment), exit_code);
    if (!ctx) return exit_code;
    return read_exit_code(*ctx, [&](storage::Txn& txn) {
        auto figures = tracking::query_dora(txn, ctx->tables, ctx->config, query);
        if (!figures) {
            std::fprintf(stderr, "%s\n", figures.error().message.c_str());
            const auto code = figures.error().code;
            return code == ErrorCode::not_found || code == ErrorCode::invalid_argument ? 2 : 1;
        }
        if (options.json) {
            const auto text = options.explain ? tracking::dora_json_with_explain(*figures)
                                              : tracking::dora_json(*figures);
            std::printf("%s\n", text.c_str());
            return 0;
        }
        print_table(*figures);
        if (options.explain) print_explain(*figures);
        return 0;
    });
}

}  // namespace shiplog::daemon
