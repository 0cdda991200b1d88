#include "config/config.hpp"

#include <algorithm>
#include <cctype>
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

std::optional<std::pair<int, int>> parse_weekly_time(std::string_view text) {
    static constexpr std::string_view k_days[] = {"monday", "tuesday",  "wednesday", "thursday",
                                                  "friday", "saturday", "sunday"};
    const auto space = text.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    std::string day(text.substr(0, space));
    std::transform(day.begin(), day.end(), day.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view time = text.substr(space);
    while (!time.empty() && time.front() == ' ') time.remove_prefix(1);
    int weekday = -1;
    for (int i = 0; i < 7; ++i)
        if (day == k_days[i] || (day.size() == 3 && k_days[i].starts_with(day))) weekday = i;
    if (weekday < 0) return std::nullopt;
    const auto colon = time.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || time.size() != colon + 3)
        return std::nullopt;
    auto digits = [](std::string_view s) {
        int v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    };
    const int hours = digits(time.substr(0, colon));
    const int minutes = digits(time.substr(colon + 1));
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
    return std::pair{weekday, hours * 60 + minutes};
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
