// Feeds arbitrary bytes to the config parser as if they were a config file.
// Invariants: parse_config never crashes or throws, and a failure is one
// non-empty line that starts with the file name.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "config/load_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // No environment at all: no secrets, no $CREDENTIALS_DIRECTORY.
    static const shiplog::config::Environment k_env{
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; }};
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = shiplog::config::parse_config(text, "fuzz.toml", k_env);
    if (!config) {
        const std::string& message = config.error().message;
        if (message.rfind("fuzz.toml", 0) != 0 || message.find('\n') != std::string::npos ||
            message.find('\r') != std::string::npos)
            std::abort();
    } else {
        for (const auto& warning : config->warnings)
            if (warning.find('\n') != std::string::npos) std::abort();
    }
    return 0;
}
