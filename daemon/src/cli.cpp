#include "daemon/cli.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"

namespace shiplog::daemon {

int run_cli(int argc, char** argv) {
    CLI::App app{"shiplog: self-hosted deploy tracker for Azure DevOps", "shiplog"};
    app.set_version_flag("--version", std::string("shiplog ") + k_version);
    app.require_subcommand(1);
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

    auto* config_cmd = app.add_subcommand("config", "work with the config file");
    config_cmd->require_subcommand(1);
    auto* check =
        config_cmd->add_subcommand("check", "validate the config, print problems, exit 0/1");
    add_config_option(check);

    std::vector<std::string> files;
    auto* ingest =
        app.add_subcommand("ingest", "feed saved event payloads through the webhook's path");
    add_config_option(ingest);
    ingest->add_option("FILE", files, "saved Azure DevOps event payloads (JSON)")->required();

    auto* demo = app.add_subcommand(
        "demo", "fill the store with a made-up history for examples/shiplog.toml (safe to repeat)");
    add_config_option(demo);

    DeploysOptions deploys_options;
    auto* deploys = app.add_subcommand("deploys", "list recorded deploys, newest first");
    add_config_option(deploys);
    deploys->add_option("--deployment", deploys_options.deployment,
                        "only this [[deployment]] name");
    deploys->add_option("--environment", deploys_options.environment, "only this environment");
    deploys->add_option("--limit", deploys_options.limit, "at most N deploys (default 50)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    deploys->add_flag("--json", deploys_options.json,
                      "print the deploys as a JSON array (docs/reference/http-api.md)");

    std::string deploy_id;
    bool show_json = false;
    auto* deploy_cmd = app.add_subcommand("deploy", "one deploy");
    deploy_cmd->require_subcommand(1);
    auto* show = deploy_cmd->add_subcommand(
        "show", "a deploy with its commits, work items and pending look-ups");
    add_config_option(show);
    show->add_option("ID", deploy_id, "deploy id, e.g. web-api:production:1042")->required();
    show->add_flag("--json", show_json, "print the deploy as JSON (docs/reference/http-api.md)");

    MetricsOptions metrics_options;
    auto* metrics =
        app.add_subcommand("metrics", "DORA metrics over a window (default: the last 30 days)");
    add_config_option(metrics);
    metrics->add_option("--deployment", metrics_options.deployment,
                        "only this [[deployment]] name");
    metrics->add_option("--environment", metrics_options.environment, "only this environment");
    metrics->add_option("--since", metrics_options.since,
                        "window start, RFC 3339 or YYYY-MM-DD (included)");
    metrics->add_option("--until", metrics_options.until,
                        "window end, RFC 3339 or YYYY-MM-DD (excluded; default now)");
    metrics->add_flag("--explain", metrics_options.explain,
                      "list the deploys, commits and failures behind each figure");
    metrics->add_flag("--json", metrics_options.json,
                      "print the figures as JSON (docs/reference/http-api.md)");

    auto* reindex =
        app.add_subcommand("reindex", "rebuild all derived data from the event journal");
    add_config_option(reindex);

    std::string backup_dir;
    auto* backup = app.add_subcommand(
        "backup", "consistent, compacted copy of the store (works while serving)");
    add_config_option(backup);
    backup->add_option("DEST_DIR", backup_dir, "empty or new directory for the copy")->required();

    HooksOptions hooks_options;
    auto* hooks =
        app.add_subcommand("hooks", "manage the Azure DevOps service hooks this instance owns");
    hooks->require_subcommand(1);
    auto* hooks_sync =
        hooks->add_subcommand("sync", "create/update/delete our service hooks to match the config");
    add_config_option(hooks_sync);
    hooks_sync->add_flag("--dry-run", hooks_options.dry_run, "print the plan, change nothing");
    hooks_sync->add_flag("--json", hooks_options.json, "print the plan as JSON");
    auto* hooks_list = hooks->add_subcommand("list", "our subscriptions and their status");
    add_config_option(hooks_list);
    hooks_list->add_flag("--json", hooks_options.json, "print a JSON array");
    auto* hooks_remove =
        hooks->add_subcommand("remove", "delete every subscription this instance created");
    add_config_option(hooks_remove);

    BackfillOptions backfill_options;
    auto* backfill = app.add_subcommand(
        "backfill", "recover missed events from Azure DevOps history (safe to repeat)");
    add_config_option(backfill);
    backfill->add_option("--deployment", backfill_options.deployment,
                         "only this [[deployment]] name's REST history");
    backfill->add_option(
        "--since", backfill_options.since,
        "RFC 3339 or YYYY-MM-DD (default: the last delivery received, minus an hour)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
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
    if (reindex->parsed()) return run_reindex(config_path);
    if (backup->parsed()) return run_backup(config_path, backup_dir);
    if (hooks_sync->parsed()) return run_hooks_sync(config_path, hooks_options);
    if (hooks_list->parsed()) return run_hooks_list(config_path, hooks_options);
    if (hooks_remove->parsed()) return run_hooks_remove(config_path, hooks_options);
    if (backfill->parsed()) return run_backfill(config_path, backfill_options);
    return 2;
}

}  // namespace shiplog::daemon
