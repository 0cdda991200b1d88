#pragma once
// Reading and validating the TOML config file (docs/reference/config.md). toml++ stays inside
// the .cpp: this header is cheap to include.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "config/config.hpp"

namespace shiplog::config {

// Where secrets and defaults come from besides the file; injectable for tests.
struct Environment {
    // Returns the value of an environment variable, or nullopt when unset.
    std::function<std::optional<std::string>(std::string_view)> getenv;

    static Environment process();  // the real process environment
};

// Parses and validates `path`. On failure the error message is one line of the
// form "<file>:<line>: <key>: <problem>" (line omitted when not known), e.g.
//   shiplog.toml:14: deployment[1].trigger: "pushh" is not one of push, build, stage, release,
//   manual
// where <file> is `path` as given, <line> is 1-based, and [[deployment]]
// entries are indexed from 0 (deployment[0] is the first one in the file).
// Only the first problem found is reported; non-fatal findings (no [webhook] /
// [api], a non-https public_url, ...) land in Config::warnings in that same form.
// Secrets are read here (file, then environment variable, then systemd
// credential $CREDENTIALS_DIRECTORY/<name>); a secret file readable by group
// or others is an error (credential files are systemd's to protect and are
// not mode-checked). Never puts a secret value in an error message.
Result<Config> load_config(const std::filesystem::path& path, const Environment& env);

// Same, from TOML text already in memory (used by the fuzzer and unit tests);
// `path` is used for messages and to resolve relative paths.
Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& path,
                            const Environment& env);

// The default config path: $SHIPLOG_CONFIG, else /etc/shiplog/shiplog.toml.
std::filesystem::path default_config_path(const Environment& env);

}  // namespace shiplog::config
