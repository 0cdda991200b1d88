#include "daemon/cli.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "daemon/version.hpp"

namespace shiplog::daemon {

int run_cli(int argc, char** argv) {
    CLI::App app{"shiplog: self-hosted deploy tracker for Azure DevOps", "shiplog"};
    app.set_version_flag("--version", std::string("shiplog ") + k_version);
    app.require_subcommand(1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    return 0;
}

}  // namespace shiplog::daemon
