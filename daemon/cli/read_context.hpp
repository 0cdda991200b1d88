#pragma once
// What the commands that only read (deploys, deploy show, metrics,
// incidents, drift) open before they query: the configuration, the store
// read-only (so they work beside a running `serve`) and tracking's tables.
// Failures go to stderr here, so each command only picks its exit code.

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct ReadContext {
    config::Config config;
    std::unique_ptr<storage::Store> store;
    tracking::Tables tables;
};

// A usage check of the command's flags against the configuration: a
// message when they name nothing configured.
using UsageCheck = std::function<std::optional<std::string>(const config::Config&)>;

// selection_error for --deployment/--environment ("" = not given).
UsageCheck selection_check(const std::string& deployment, const std::string& environment);

// The window of --since/--until: 30 days ending now, or ending --until;
// --since moves its start. nullopt after printing a flag that does not
// parse (a usage error, exit 2).
struct Window {
    Timestamp since{};
    Timestamp until{};
};
std::optional<Window> window_from_flags(const std::string& since, const std::string& until,
                                        Timestamp now);

// The context, or nullopt after the reason went to stderr; `exit_code` is
// then 2 when `check` refused the flags (checked before the store is
// opened) and 1 when something could not be opened.
std::optional<ReadContext> open_for_reading(const std::filesystem::path& config_path,
                                            const UsageCheck& check, int& exit_code);

// `fn(txn)`'s exit code inside one read transaction; 1 after printing why
// when the store cannot be read.
template <class F>
int read_exit_code(const ReadContext& ctx, F&& fn) {
    auto code = storage::read(*ctx.store, "store", std::forward<F>(fn));
    if (!code) {
        std::fprintf(stderr, "%s\n", code.error().message.c_str());
        return 1;
    }
    return *code;
}

}  // namespace shiplog::daemon
