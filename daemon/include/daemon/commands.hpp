#pragma once
// The subcommands behind the CLI. Each returns the process exit code
// (0 ok, 1 operational failure) and prints its own one-line errors.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace shiplog::daemon {

// `shiplog serve`: runs until SIGTERM/SIGINT; SIGHUP reloads the config.
int run_serve(const std::filesystem::path& config_path);

// `shiplog config check`: validates the config, prints problems and warnings.
int run_config_check(const std::filesystem::path& config_path);

// `shiplog ingest FILE...`: feeds saved payloads through the webhook's path.
int run_ingest(const std::filesystem::path& config_path, const std::vector<std::string>& files);

// `shiplog demo`: feeds a made-up, deterministic history of about three
// months (pushes, builds, registrations, failures, rollbacks, incidents) for
// examples/shiplog.toml's deployments through the webhook's path. A second
// run changes nothing (same event ids).
int run_demo(const std::filesystem::path& config_path);

// `shiplog backup DEST_DIR`: a consistent, compacted copy of the store taken
// while serve may be running (LMDB read transaction + mdb_env_copy2 with
// MDB_CP_COMPACT). DEST_DIR is created if missing and must be empty.
int run_backup(const std::filesystem::path& config_path, const std::filesystem::path& dest_dir);

// `shiplog reindex`: rebuilds every projection from the journal; refuses
// while a serve holds the store.
int run_reindex(const std::filesystem::path& config_path);

// `shiplog deploys` and `shiplog deploy show ID`. An unknown deployment or
// environment, or a bad time, exits 2.
struct DeploysOptions {
    std::string deployment;
    std::string environment;
    std::string since;    // deployed_at >= since: a span back from now, a date or RFC 3339
    std::string until;    // deployed_at < until; same forms
    bool failed = false;  // only deploys with a failure (counted as failed changes)
    std::size_t limit = 50;
    bool json = false;
};
int run_deploys(const std::filesystem::path& config_path, const DeploysOptions& options);
int run_deploy_show(const std::filesystem::path& config_path, const std::string& id, bool json);

// `shiplog metrics`: DORA figures over [since, until)
// (default: the last 30 days). Bad times or an unknown deployment/environment
// exit 2.
struct MetricsOptions {
    std::string deployment;
    std::string environment;
    std::string since;  // a span back from now, a date or RFC 3339; empty = until - 30 days
    std::string until;  // empty = now
    bool explain = false;
    bool json = false;
};
int run_metrics(const std::filesystem::path& config_path, const MetricsOptions& options);

// `shiplog incidents`: incidents from every source opened or restored in
// [since, until) (default: the last 30 days), newest first; with
// --deployment/--environment only those blaming a deploy there.
struct IncidentsOptions {
    std::string deployment;
    std::string environment;
    std::string since;
    std::string until;
    bool json = false;
};
int run_incidents(const std::filesystem::path& config_path, const IncidentsOptions& options);

// `shiplog drift`: the commits deployed to `from` and not yet to `to`,
// oldest first, with how long each has waited.
struct DriftOptions {
    std::string deployment;
    std::string from;
    std::string to;
    bool json = false;
};
int run_drift(const std::filesystem::path& config_path, const DriftOptions& options);

// `shiplog hooks sync|list|remove`: need [azure_devops] and
// [server] public_url; sync also needs [webhook]. Only subscriptions carrying
// this instance's X-Shiplog-Hook marker are ever changed or listed.
struct HooksOptions {
    bool dry_run = false;  // sync, remove: print the plan, change nothing
    bool json = false;     // print JSON instead of text
};
int run_hooks_sync(const std::filesystem::path& config_path, const HooksOptions& options);
int run_hooks_list(const std::filesystem::path& config_path, const HooksOptions& options);
int run_hooks_remove(const std::filesystem::path& config_path, const HooksOptions& options);

// `shiplog backfill`: recovers events missed while nothing received them,
// from our subscriptions' notification history and REST history (pushes on
// tracked branches, completed builds of tracked pipelines), through the same
// intake as the webhook, under deterministic event ids (a second run is a
// no-op). Works beside a running `serve` (LMDB serialises the writers).
struct BackfillOptions {
    std::string deployment;  // only this [[deployment]] name ("" = all)
    std::string
        since;  // a span, a date or RFC 3339; "" = the last delivery received, minus an hour
};
int run_backfill(const std::filesystem::path& config_path, const BackfillOptions& options);

}  // namespace shiplog::daemon
