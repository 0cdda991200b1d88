#include "daemon/cli.hpp"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"

namespace shiplog::daemon {
namespace {

// "--limit: "abc" is not a whole number from 1 to 1000000" instead of
// CLI11's "Value abc not in range".
CLI::Validator whole_number(std::size_t lo, std::size_t hi) {
    const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
    return CLI::Validator(
        [lo, hi, range](std::string& text) -> std::string {
            std::size_t n = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec == std::errc() && end == text.data() + text.size() && n >= lo && n <= hi)
                return {};
            return "\"" + text + "\" is not a whole number from " + range;
        },
        "N in " + range);
}

constexpr const char* k_time_forms =
    "a span back from now (90m, 36h, 7d, 2w), a date (2026-11-01, 00:00 UTC) or RFC 3339";

// Each subcommand's help ends with a few lines to copy.
std::string examples(std::initializer_list<const char*> lines) {
    std::string out = "\nExamples:\n";
    for (const char* line : lines) out += std::string("  ") + line + "\n";
    return out;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"shiplog: self-hosted deploy tracker for Azure DevOps", "shiplog"};
    app.set_version_flag("--version", std::string("shiplog ") + k_version);
    // No subcommand prints the help (below), like gh: not an error.
    app.require_subcommand(0, 1);
    app.footer(examples({"shiplog config check --config /etc/shiplog/shiplog.toml",
                         "shiplog deploys --deployment web-api --since 7d",
                         "shiplog metrics --environment production --since 2w",
                         "shiplog SUBCOMMAND --help"}));
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn or error (default info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error"}));

    auto env = config::Environment::process();
    std::string config_path = config::default_config_path(env).string();
    auto add_config_option = [&](CLI::App* sub) {
        sub->add_option("--config", config_path,
                        "config file (default: $SHIPLOG_CONFIG or /etc/shiplog/shiplog.toml)");
    };

    auto* serve = app.add_subcommand("serve", "run the daemon (foreground, systemd-friendly)");
    add_config_option(serve);
    serve->footer(examples({"shiplog serve --config /etc/shiplog/shiplog.toml",
                            "systemctl reload shiplog   # SIGHUP: re-read the config"}));

    auto* config_cmd = app.add_subcommand("config", "work with the config file");
    config_cmd->require_subcommand(0, 1);
    config_cmd->footer(examples({"shiplog config check"}));
    auto* check =
        config_cmd->add_subcommand("check", "validate the config, print problems, exit 0/1");
    add_config_option(check);
    check->footer(
        examples({"shiplog config check", "shiplog config check --config examples/shiplog.toml"}));

    std::vector<std::string> files;
    auto* ingest =
        app.add_subcommand("ingest", "feed saved event payloads through the webhook's path");
    add_config_option(ingest);
    ingest->add_option("FILE", files, "saved Azure DevOps event payloads (JSON)")->required();
    ingest->footer(
        examples({"shiplog ingest examples/events/git.push.json", "shiplog ingest saved/*.json"}));

    auto* demo = app.add_subcommand(
        "demo", "fill the store with a made-up history for examples/shiplog.toml (safe to repeat)");
    add_config_option(demo);
    demo->footer(examples({"shiplog demo --config examples/shiplog.toml"}));

    DeploysOptions deploys_options;
    auto* deploys = app.add_subcommand("deploys", "list recorded deploys, newest first");
    add_config_option(deploys);
    deploys->add_option("--deployment", deploys_options.deployment,
                        "only this [[deployment]] name");
    deploys->add_option("--environment", deploys_options.environment, "only this environment");
    deploys->add_option("--since", deploys_options.since,
                        std::string("deployed at or after: ") + k_time_forms);
    deploys->add_option("--until", deploys_options.until,
                        std::string("deployed before: ") + k_time_forms);
    deploys->add_flag("--failed", deploys_options.failed,
                      "only deploys with a failure (failed, rolled back or blamed for an "
                      "incident): the failed changes of the change failure rate");
    deploys->add_option("--limit", deploys_options.limit, "at most N deploys (default 50)")
        ->check(whole_number(1, 1000000));
    deploys->add_flag("--json", deploys_options.json,
                      "print the deploys as a JSON array (docs/reference/http-api.md)");
    deploys->footer(examples({"shiplog deploys --deployment web-api --environment production",
                              "shiplog deploys --since 7d --failed",
                              "shiplog deploys --since 2026-11-01 --until 2026-12-01 --json"}));

    std::string deploy_id;
    bool show_json = false;
    auto* deploy_cmd = app.add_subcommand("deploy", "one deploy");
    deploy_cmd->require_subcommand(0, 1);
    deploy_cmd->footer(examples({"shiplog deploy show web-api:production:1042"}));
    auto* show = deploy_cmd->add_subcommand(
        "show", "a deploy with its commits, work items and pending look-ups");
    add_config_option(show);
    show->add_option("ID", deploy_id, "deploy id, e.g. web-api:production:1042")->required();
    show->add_flag("--json", show_json, "print the deploy as JSON (docs/reference/http-api.md)");
    show->footer(examples({"shiplog deploy show web-api:production:1042",
                           "shiplog deploy show web-api:production:1042 --json"}));

    MetricsOptions metrics_options;
    auto* metrics =
        app.add_subcommand("metrics", "DORA metrics over a window (default: the last 30 days)");
    add_config_option(metrics);
    metrics->add_option("--deployment", metrics_options.deployment,
                        "only this [[deployment]] name");
    metrics->add_option("--environment", metrics_options.environment, "only this environment");
    metrics->add_option("--since", metrics_options.since,
                        std::string("window start (included): ") + k_time_forms);
    metrics->add_option("--until", metrics_options.until,
                        std::string("window end (excluded; default now): ") + k_time_forms);
    metrics->add_flag("--explain", metrics_options.explain,
                      "list the deploys, commits and failures behind each figure");
    metrics->add_flag("--json", metrics_options.json,
                      "print the figures as JSON (docs/reference/http-api.md)");
    metrics->footer(examples({"shiplog metrics --deployment web-api --environment production",
                              "shiplog metrics --since 90d --explain",
                              "shiplog metrics --since 2026-10-01 --until 2026-11-01 --json"}));

    IncidentsOptions incidents_options;
    auto* incidents = app.add_subcommand(
        "incidents", "incidents from every source (Azure Boards, register_impact, Azure Monitor)");
    add_config_option(incidents);
    incidents->add_option("--deployment", incidents_options.deployment,
                          "only incidents blaming a deploy of this [[deployment]] name");
    incidents->add_option("--environment", incidents_options.environment,
                          "only incidents blaming a deploy in this environment");
    incidents->add_option("--since", incidents_options.since,
                          std::string("opened or restored at or after: ") + k_time_forms);
    incidents->add_option("--until", incidents_options.until,
                          std::string("opened or restored before (default now): ") + k_time_forms);
    incidents->add_flag("--json", incidents_options.json,
                        "print the incidents as a JSON array (docs/reference/http-api.md)");
    incidents->footer(examples(
        {"shiplog incidents --deployment web-api --since 90d", "shiplog incidents --json"}));

    DriftOptions drift_options;
    auto* drift =
        app.add_subcommand("drift", "commits deployed to one environment and not yet to another");
    add_config_option(drift);
    drift->add_option("--deployment", drift_options.deployment, "the [[deployment]] name")
        ->required();
    drift->add_option("--from", drift_options.from, "the environment that is ahead (staging)")
        ->required();
    drift->add_option("--to", drift_options.to, "the environment behind it (production)")
        ->required();
    drift->add_flag("--json", drift_options.json,
                    "print the drift as JSON (docs/reference/http-api.md)");
    drift->footer(
        examples({"shiplog drift --deployment web-api --from staging --to production",
                  "shiplog drift --deployment web-api --from staging --to production --json"}));

    auto* reindex =
        app.add_subcommand("reindex", "rebuild all derived data from the event journal");
    add_config_option(reindex);
    reindex->footer(examples({"shiplog reindex   # with serve stopped",
                              "shiplog reindex --config /etc/shiplog/shiplog.toml"}));

    std::string backup_dir;
    auto* backup = app.add_subcommand(
        "backup", "consistent, compacted copy of the store (works while serving)");
    add_config_option(backup);
    backup->add_option("DEST_DIR", backup_dir, "empty or new directory for the copy")->required();
    backup->footer(examples({"shiplog backup /var/backups/shiplog/$(date +%F)"}));

    HooksOptions hooks_options;
    auto* hooks =
        app.add_subcommand("hooks", "manage the Azure DevOps service hooks this instance owns");
    hooks->require_subcommand(0, 1);
    hooks->footer(examples(
        {"shiplog hooks list", "shiplog hooks sync --dry-run", "shiplog hooks remove --dry-run"}));
    auto* hooks_sync =
        hooks->add_subcommand("sync", "create/update/delete our service hooks to match the config");
    add_config_option(hooks_sync);
    hooks_sync->add_flag("--dry-run", hooks_options.dry_run, "print the plan, change nothing");
    hooks_sync->add_flag("--json", hooks_options.json, "print the plan as JSON");
    hooks_sync->footer(examples({"shiplog hooks sync --dry-run", "shiplog hooks sync"}));
    auto* hooks_list = hooks->add_subcommand("list", "our subscriptions and their status");
    add_config_option(hooks_list);
    hooks_list->add_flag("--json", hooks_options.json, "print a JSON array");
    hooks_list->footer(examples({"shiplog hooks list", "shiplog hooks list --json"}));
    auto* hooks_remove =
        hooks->add_subcommand("remove", "delete every subscription this instance created");
    add_config_option(hooks_remove);
    hooks_remove->add_flag("--dry-run", hooks_options.dry_run,
                           "print what would be deleted, change nothing");
    hooks_remove->add_flag("--json", hooks_options.json, "print the deletions as JSON");
    hooks_remove->footer(examples({"shiplog hooks remove --dry-run", "shiplog hooks remove"}));

    BackfillOptions backfill_options;
    auto* backfill = app.add_subcommand(
        "backfill", "recover missed events from Azure DevOps history (safe to repeat)");
    add_config_option(backfill);
    backfill->add_option("--deployment", backfill_options.deployment,
                         "only this [[deployment]] name's REST history");
    backfill->add_option(
        "--since", backfill_options.since,
        std::string(k_time_forms) + " (default: the last delivery received, minus an hour)");
    backfill->footer(
        examples({"shiplog backfill", "shiplog backfill --deployment web-api --since 3d"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        // One line naming the flag and value (CLI11 would add a second,
        // "Run with --help for more information.").
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    if (auto logging = init_logging(log_level); !logging) {
        std::fprintf(stderr, "shiplog: %s\n", logging.error().message.c_str());
        return 2;
    }
    if (serve->parsed()) return run_serve(config_path);
    if (check->parsed()) return run_config_check(config_path);
    if (ingest->parsed()) return run_ingest(config_path, files);
    if (demo->parsed()) return run_demo(config_path);
    if (deploys->parsed()) return run_deploys(config_path, deploys_options);
    if (show->parsed()) return run_deploy_show(config_path, deploy_id, show_json);
    if (metrics->parsed()) return run_metrics(config_path, metrics_options);
    if (incidents->parsed()) return run_incidents(config_path, incidents_options);
    if (drift->parsed()) return run_drift(config_path, drift_options);
    if (reindex->parsed()) return run_reindex(config_path);
    if (backup->parsed()) return run_backup(config_path, backup_dir);
    if (hooks_sync->parsed()) return run_hooks_sync(config_path, hooks_options);
    if (hooks_list->parsed()) return run_hooks_list(config_path, hooks_options);
    if (hooks_remove->parsed()) return run_hooks_remove(config_path, hooks_options);
    if (backfill->parsed()) return run_backfill(config_path, backfill_options);
    // A group without its subcommand (`shiplog`, `shiplog hooks`): its help.
    for (auto* group : {config_cmd, deploy_cmd, hooks})
        if (group->parsed()) {
            std::printf("%s", group->help().c_str());
            return 0;
        }
    std::printf("%s", app.help().c_str());
    return 0;
}

}  // namespace shiplog::daemon
