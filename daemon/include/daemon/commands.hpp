#pragma once
// The subcommands behind the CLI. Each returns the process exit code
// (0 ok, 1 operational failure) and prints its own one-line errors.

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

}  // namespace shiplog::daemon
