#include "cli/cli_selection.hpp"

#include <algorithm>
#include <vector>

#include "common/suggest.hpp"

namespace shiplog::daemon {
namespace {

void add_unique(std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "(none)" : out;
}

std::string unknown(const char* flag, const std::string& value, const char* what,
                    const std::vector<std::string>& known) {
    std::string line = std::string(flag) + " \"" + value + "\": no [[deployment]] has this " + what;
    if (auto guess = closest_name(value, known)) line += " (did you mean \"" + *guess + "\"?)";
    return line + "; configured: " + joined(known);
}

}  // namespace

std::optional<std::string> selection_error(const config::Config& config,
                                           const std::string& deployment,
                                           const std::string& environment) {
    std::vector<std::string> names, environments, pair_environments;
    for (const auto& d : config.deployments) {
        add_unique(names, d.name);
        add_unique(environments, d.environment);
        if (d.name == deployment) add_unique(pair_environments, d.environment);
    }
    if (!deployment.empty() && std::find(names.begin(), names.end(), deployment) == names.end())
        return unknown("--deployment", deployment, "name", names);
    if (!environment.empty() &&
        std::find(environments.begin(), environments.end(), environment) == environments.end())
        return unknown("--environment", environment, "environment", environments);
    if (!deployment.empty() && !environment.empty() &&
        std::find(pair_environments.begin(), pair_environments.end(), environment) ==
            pair_environments.end())
        return "--environment \"" + environment + "\": deployment \"" + deployment +
               "\" has no such environment; its environments: " + joined(pair_environments);
    return std::nullopt;
}

}  // namespace shiplog::daemon
