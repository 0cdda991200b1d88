#pragma once
// The real REST client pointed at a FakeAzureDevOps, with retries that do
// not sleep. `adjust` may change the config (api_version) and the options
// (page sizes) first.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "azure/client.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::testing {

inline std::unique_ptr<azure::AzureDevOpsClient> fake_client(
    const FakeAzureDevOps& fake, const std::string& token,
    const std::function<void(config::AzureDevOpsConfig&, azure::ClientOptions&)>& adjust = {}) {
    config::AzureDevOpsConfig cfg;
    cfg.organization_url = fake.organization_url();
    cfg.token = Secret(token);
    azure::ClientOptions options;
    options.sleep = [](std::chrono::milliseconds) {};
    if (adjust) adjust(cfg, options);
    auto client = azure::make_http_client(cfg, options);
    EXPECT_TRUE(client.has_value());
    return client ? std::move(*client) : nullptr;
}

}  // namespace shiplog::testing
