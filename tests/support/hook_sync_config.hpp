#pragma once
// The config the hook sync tests run against: a public https URL, webhook
// credentials, [azure_devops] at `org_url` with `token`, one deployment
// (web-api in production, Fabrikam/web-api).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "azure/client.hpp"
#include "azure/hook_sync_worker.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"

namespace shiplog::testing {

inline std::shared_ptr<const config::Config> hook_sync_config(const std::string& org_url,
                                                              const std::string& token) {
    config::Config c;
    c.server.public_url = "https://shiplog.example.com";
    c.webhook = config::WebhookConfig{"shiplog", {Secret("hook-pass")}, {}};
    c.azure_devops = config::AzureDevOpsConfig{org_url, Secret(token), std::nullopt, std::nullopt};
    config::DeploymentConfig d;
    d.name = d.repository = "web-api";
    d.environment = "production";
    d.project = "Fabrikam";
    c.deployments.push_back(std::move(d));
    return std::make_shared<const config::Config>(std::move(c));
}

// A worker's options for an Azure DevOps that is gone: retries start after
// 10 ms and each client asks once, so a run fails fast.
inline azure::HookSyncWorker::Options one_attempt_options() {
    azure::HookSyncWorker::Options options;
    options.retry_initial = std::chrono::milliseconds{10};
    options.make_client = [](const config::AzureDevOpsConfig& c) {
        azure::ClientOptions o;
        o.max_attempts = 1;
        return azure::make_http_client(c, o);
    };
    return options;
}

}  // namespace shiplog::testing
