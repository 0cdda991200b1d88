#pragma once
// Helpers of the handler tests: recorded Azure DevOps deliveries from
// tests/fixtures/events/, edited in place to make the case under test.

#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/time_format.hpp"
#include "config/config.hpp"
#include "handlers/push_event.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {

// tests/fixtures/events/<name>.
inline std::string fixture(const std::string& name) {
    return read_file(std::filesystem::path(SHIPLOG_TEST_FIXTURES) / "events" / name);
}

// `text` with the first `from` replaced by `to`; a failure when there is none
// (so a fixture edit that no longer applies does not pass silently).
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

// Every `from` replaced; a failure when there is none.
inline std::string replaced_all(std::string text, std::string_view from, std::string_view to) {
    std::size_t count = 0;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
        ++count;
    }
    EXPECT_GT(count, 0U) << from;
    return text;
}

inline Timestamp ts(std::string_view rfc3339) {
    return parse_rfc3339(rfc3339).value();
}

// The message of a parse that must fail; a failure when it succeeded.
template <class T>
std::string error_of(const Result<T>& parsed) {
    EXPECT_FALSE(parsed.has_value());
    return parsed ? "" : parsed.error().message;
}

// Deployment `name` in production of `project`/web-api, branch main.
inline config::DeploymentConfig production_deployment(
    std::string name, std::string project, config::Trigger trigger = config::Trigger::push) {
    config::DeploymentConfig d;
    d.name = std::move(name);
    d.environment = "production";
    d.project = std::move(project);
    d.repository = "web-api";
    d.trigger = trigger;
    return d;
}

// One deployment (web-api in production) tracking the push's repository
// and the branch of its first ref update.
inline config::Config push_config(const handlers::PushEvent& push) {
    auto d = production_deployment("web-api", push.project_name);
    d.repository = push.repository_name;
    d.branch = push.ref_updates.at(0).name.substr(std::string("refs/heads/").size());
    config::Config config;
    config.deployments.push_back(d);
    return config;
}

}  // namespace shiplog::testing
