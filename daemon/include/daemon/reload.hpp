#pragma once
// SIGHUP: re-read and validate the config. An invalid file is reported and
// the old config stays in force; a valid one replaces it, and settings that
// only take effect at start (listen address, TLS, store) are reported as
// needing a restart.

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "config/load_config.hpp"
#include "daemon/config_holder.hpp"

namespace shiplog::daemon {

// Names of settings that differ between `before` and `after` but need a restart.
std::vector<std::string> restart_only_changes(const config::Config& before,
                                              const config::Config& after);

// Succeeds when the new config is now in force; otherwise the error is why
// (one line, as config::load_config reports it, never a secret) and the
// previous config stays in force. Logs the outcome either way.
Status reload_config(const std::filesystem::path& path, const config::Environment& env,
                     ConfigHolder& holder);

}  // namespace shiplog::daemon
