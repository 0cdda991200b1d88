#pragma once
// Helpers for integration tests of the REST work queue run by `serve`
// against the fake Azure DevOps: reading deploys through the real CLI,
// polling with a deadline, counting the requests the fake received.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.hpp"
#include "support/fake_azure_devops.hpp"

namespace shiplog::testing::work_queue {

inline constexpr const char* k_project_id = "1f2e3d4c-0000-4000-8000-000000000002";
inline constexpr const char* k_repository_id = "7a1b2c3d-0000-4000-8000-000000000001";

inline std::string time_of(int n) {  // 2026-11-19T08:00:00Z + n seconds
    char buf[32];
    std::snprintf(buf, sizeof buf, "2026-11-19T%02d:%02d:%02dZ", 8 + n / 3600, (n / 60) % 60,
                  n % 60);
    return buf;
}

// A classic release's deployment-completed event (resourceVersion 3.0-preview.1).
inline std::string release_event(const std::string& id, int release_id, const std::string& date) {
    const std::string rid = std::to_string(release_id);
    return R"({"id":")" + id +
           R"(","eventType":"ms.vss-release.deployment-completed-event","publisherId":"rm",)"
           R"("resourceVersion":"3.0-preview.1","createdDate":")" +
           date + R"(","resource":{"environment":{"id":)" + std::to_string(1000 + release_id) +
           R"(,"name":"Prod","status":"succeeded","releaseId":)" + rid +
           R"(,"definitionEnvironmentId":12,"release":{"id":)" + rid + R"(,"name":"Release-)" +
           rid +
           R"("},"releaseDefinition":{"id":4,"name":"web-api-rm"},"deploySteps":[{"attempt":1}]},)"
           R"("project":{"id":")" +
           k_project_id + R"(","name":"Contoso"}}})";
}

// The `[azure_devops]` section pointing `serve` at the fake (token in "azure-token").
inline std::string azure_devops_toml(const FakeAzureDevOps& fake) {
    return "[azure_devops]\norganization_url = \"" + fake.organization_url() +
           "\"\ntoken_file = \"azure-token\"\n\n";
}

// The JSON object of the deploy with `sha` in a `deploys --json` array ("" when absent).
inline std::string deploy_with_sha(const std::string& json, const std::string& commit) {
    auto at = json.find("\"sha\":\"" + commit + "\"");
    if (at == std::string::npos) return {};
    auto start = json.rfind("{\"id\":", at);
    auto end = json.find("{\"id\":", at);
    return json.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The "id" of one deploy object from deploy_with_sha().
inline std::string id_of(const std::string& deploy) {
    const std::string marker = "{\"id\":\"";
    if (deploy.rfind(marker, 0) != 0) return {};
    return deploy.substr(marker.size(), deploy.find('"', marker.size()) - marker.size());
}

inline std::string deploys_json(const DaemonHarness& daemon, const std::string& deployment) {
    auto r = run_command(SHIPLOG_BINARY, {"deploys", "--json", "--deployment", deployment,
                                          "--config", daemon.config_path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

inline std::string deploy_show(const DaemonHarness& daemon, const std::string& id) {
    auto r = run_command(SHIPLOG_BINARY,
                         {"deploy", "show", id, "--config", daemon.config_path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

// Whether the pending deploy (no sha yet) in a `deploys --json` array shows
// FAILED in `deploy show`; `id` receives its id.
inline bool pending_deploy_failed(const DaemonHarness& daemon, const std::string& json,
                                  std::string& id) {
    auto at = json.find("\"sha\":\"\"");
    if (at == std::string::npos) return false;
    auto start = json.rfind("{\"id\":\"", at) + 7;
    id = json.substr(start, json.find('"', start) - start);
    return deploy_show(daemon, id).find("FAILED") != std::string::npos;
}

// Polls `deploys --json` until `pred` holds (deadline 30 s).
template <class Pred>
bool eventually(const DaemonHarness& daemon, const std::string& deployment, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred(deploys_json(daemon, deployment))) return true;
        std::this_thread::sleep_for(
            std::chrono::milliseconds{200});  // polling interval, not synchronisation
    }
    return false;
}

// Requests the fake received whose path ends with `suffix`.
inline std::size_t requests_to(const FakeAzureDevOps& fake, const std::string& method,
                               const std::string& suffix) {
    std::size_t n = 0;
    for (const auto& r : fake.requests())
        if (r.method == method && r.path.size() >= suffix.size() &&
            r.path.compare(r.path.size() - suffix.size(), suffix.size(), suffix) == 0)
            ++n;
    return n;
}

// Journal event ids that start with `prefix` and contain `part`.
inline std::size_t journaled(const std::vector<std::string>& ids, const std::string& prefix,
                             const std::string& part) {
    std::size_t n = 0;
    for (const auto& id : ids)
        if (id.rfind(prefix, 0) == 0 && id.find(part) != std::string::npos) ++n;
    return n;
}

}  // namespace shiplog::testing::work_queue
