#pragma once
// The check every subcommand with --deployment/--environment makes before
// touching the store: a name that no [[deployment]] has is a usage error
// (exit 2) naming the flag, the configured names and the likely typo,
// rather than an empty result that looks like "nothing happened".

#include <optional>
#include <string>

#include "config/config.hpp"

namespace shiplog::daemon {

// One line for stderr when `deployment` (or `environment`; "" = not given)
// matches no [[deployment]] in `config`, or when both are given and no
// [[deployment]] has that pair; nullopt when the selection is fine.
std::optional<std::string> selection_error(const config::Config& config,
                                           const std::string& deployment,
                                           const std::string& environment);

}  // namespace shiplog::daemon
