#include "config/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "config/load_config.hpp"

namespace shiplog::config {

const char* to_string(Trigger t) {
    switch (t) {
        case Trigger::push:
            return "push";
        case Trigger::build:
            return "build";
        case Trigger::stage:
            return "stage";
        case Trigger::release:
            return "release";
        case Trigger::manual:
            return "manual";
    }
    return "unknown";
}

const char* to_string(IncidentSourceKind kind) {
    switch (kind) {
        case IncidentSourceKind::api:
            return "api";
        case IncidentSourceKind::azure_monitor:
            return "azure-monitor";
    }
    return "unknown";
}

const char* to_string(NotifyKind kind) {
    switch (kind) {
        case NotifyKind::teams:
            return "teams";
        case NotifyKind::slack:
            return "slack";
        case NotifyKind::webhook:
            return "webhook";
    }
    return "unknown";
}

bool NotifyConfig::wants(std::string_view event) const {
    return std::find(events.begin(), events.end(), event) != events.end();
}

bool NotifyConfig::wants_deployment(std::string_view deployment) const {
    return deployments.empty() ||
           std::find(deployments.begin(), deployments.end(), deployment) != deployments.end();
}

Environment Environment::process() {
    // std::getenv is safe here: shiplog never calls setenv/putenv after start.
    return Environment{[](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    }};
}

std::filesystem::path default_config_path(const Environment& env) {
    if (env.getenv) {
        if (auto value = env.getenv("SHIPLOG_CONFIG"); value && !value->empty()) return *value;
    }
    return "/etc/shiplog/shiplog.toml";
}

}  // namespace shiplog::config
