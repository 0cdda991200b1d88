#include <cstdio>

#include "config/load_config.hpp"
#include "daemon/commands.hpp"

namespace shiplog::daemon {

int run_config_check(const std::filesystem::path& config_path) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    for (const auto& warning : loaded->warnings)
        std::fprintf(stderr, "warning: %s\n", warning.c_str());
    std::printf("%s: OK (%zu deployment%s)\n", config_path.string().c_str(),
                loaded->deployments.size(), loaded->deployments.size() == 1 ? "" : "s");
    return 0;
}

}  // namespace shiplog::daemon
