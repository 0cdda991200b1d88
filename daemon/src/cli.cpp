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
        sub->add_option("--config", config_path, "config file (default: $SHIPLOG_CONFIG or /etc/shiplog/shiplog.toml)");
    };

    auto* serve = app.add_subcommand("serve", "run the daemon (foreground, systemd-friendly)");
    add_config_option(serve);

    auto* config_cmd = app.add_subcommand("config", "work with the config file");
    config_cmd->require_subcommand(1);
    auto* check = config_cmd->add_subcommand("check", "validate the config, print problems, exit 0/1");
    add_config_option(check);

    std::vector<std::string> files;
    auto* ingest = app.add_subcommand("ingest", "feed saved event payloads through the webhook's path");
    add_config_option(ingest);
    ingest->add_option("FILE", files, "saved Azure DevOps event payloads (JSON)")->required();

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
    return 2;
}

}  // namespace shiplog::daemon
