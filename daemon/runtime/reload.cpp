#include "daemon/reload.hpp"

#include <spdlog/spdlog.h>

namespace shiplog::daemon {

std::vector<std::string> restart_only_changes(const config::Config& before,
                                              const config::Config& after) {
    std::vector<std::string> changed;
    if (before.server.listen_host != after.server.listen_host ||
        before.server.listen_port != after.server.listen_port)
        changed.emplace_back("server.listen");
    if (before.server.max_body_bytes != after.server.max_body_bytes)
        changed.emplace_back("server.max_body_bytes");
    if (before.server.tls_certificate != after.server.tls_certificate ||
        before.server.tls_private_key != after.server.tls_private_key)
        changed.emplace_back("server.tls_certificate/tls_private_key");
    if (before.storage.path != after.storage.path) changed.emplace_back("storage.path");
    if (before.storage.max_size_mb != after.storage.max_size_mb)
        changed.emplace_back("storage.max_size_mb");
    return changed;
}

Status reload_config(const std::filesystem::path& path, const config::Environment& env,
                     ConfigHolder& holder) {
    auto next = config::load_config(path, env);
    if (!next) {
        spdlog::error("reload failed, keeping the previous config: {}", next.error().message);
        return tl::unexpected(next.error());
    }
    auto current = holder.get();
    for (const auto& warning : next->warnings) spdlog::warn("config: {}", warning);
    for (const auto& key : restart_only_changes(*current, *next))
        spdlog::warn("reload: {} changed; it takes effect at the next restart", key);
    std::size_t deployments = next->deployments.size();
    holder.set(std::move(*next));
    spdlog::info("config reloaded from {} ({} deployments)", path.string(), deployments);
    return {};
}

}  // namespace shiplog::daemon
