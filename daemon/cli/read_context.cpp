#include "cli/read_context.hpp"

#include "cli/cli_selection.hpp"
#include "common/cli_time.hpp"
#include "config/load_config.hpp"

namespace shiplog::daemon {

UsageCheck selection_check(const std::string& deployment, const std::string& environment) {
    return [deployment, environment](const config::Config& config) {
        return selection_error(config, deployment, environment);
    };
}

std::optional<Window> window_from_flags(const std::string& since, const std::string& until,
                                        Timestamp now) {
    Window window{now - std::chrono::days{30}, now};
    if (!until.empty()) {
        auto parsed = parse_cli_time_at(until, now);
        if (!parsed) {
            std::fprintf(stderr, "--until: %s\n", parsed.error().message.c_str());
            return std::nullopt;
        }
        window.until = *parsed;
        window.since = *parsed - std::chrono::days{30};
    }
    if (!since.empty()) {
        auto parsed = parse_cli_time_at(since, now);
        if (!parsed) {
            std::fprintf(stderr, "--since: %s\n", parsed.error().message.c_str());
            return std::nullopt;
        }
        window.since = *parsed;
    }
    return window;
}

std::optional<ReadContext> open_for_reading(const std::filesystem::path& config_path,
                                            const UsageCheck& check, int& exit_code) {
    exit_code = 1;
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return std::nullopt;
    }
    if (check) {
        if (auto error = check(*loaded)) {
            std::fprintf(stderr, "%s\n", error->c_str());
            exit_code = 2;
            return std::nullopt;
        }
    }
    auto store =
        storage::Store::open({loaded->storage.path, loaded->storage.max_size_mb << 20, true});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", loaded->storage.path.c_str(),
                     store.error().message.c_str());
        return std::nullopt;
    }
    auto tables = tracking::Tables::open(**store);
    if (!tables) {
        std::fprintf(stderr, "%s\n", tables.error().message.c_str());
        return std::nullopt;
    }
    exit_code = 0;
    return ReadContext{std::move(*loaded), std::move(*store), *tables};
}

}  // namespace shiplog::daemon
