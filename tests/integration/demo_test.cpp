// README command 1's promise, through the real binary: `shiplog demo` on
// examples/shiplog.toml gives every DORA figure a value, and the README's
// curl lines (examples/events/git.push.json, then register_deploy of its
// commit) are stored and chain onto the demo history.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

const std::filesystem::path k_source = SHIPLOG_SOURCE_DIR;

// examples/shiplog.toml on a free port, with its store in `dir`.
std::filesystem::path example_config(const TempDir& dir) {
    std::string text = read_file(k_source / "examples" / "shiplog.toml");
    text =
        std::regex_replace(text, std::regex("\nlisten = \"[^\"]*\""), "\nlisten = \"127.0.0.1:0\"");
    text = std::regex_replace(text, std::regex("\npath = \"[^\"]*\""), "\npath = \"store\"");
    return dir.write("shiplog.toml", text);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The figures of a metrics answer are all numbers, none null.
void expect_every_figure(const std::string& json) {
    EXPECT_FALSE(contains(json, "\"deploys\":0,")) << json;
    EXPECT_FALSE(contains(json, "\"deploys_per_day\":null")) << json;
    EXPECT_FALSE(contains(json, "\"lead_time_seconds\":{\"median\":null")) << json;
    EXPECT_FALSE(contains(json, "\"change_failure_rate\":null")) << json;
    EXPECT_FALSE(contains(json, "\"change_failure_rate\":0,")) << json;
    EXPECT_FALSE(contains(json, "\"time_to_restore_seconds\":{\"median\":null")) << json;
}

TEST(Demo, FillsTheExampleStoreOnceAndTheReadmeLinesChainOntoIt) {
    TempDir dir;
    const auto config = example_config(dir);

    auto first = run_command(SHIPLOG_BINARY, {"demo", "--config", config.string()});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    EXPECT_TRUE(contains(first.out, " events stored, 0 ignored, 0 already there")) << first.out;
    auto again = run_command(SHIPLOG_BINARY, {"demo", "--config", config.string()});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_TRUE(contains(again.out, "already in")) << again.out;

    // Every figure, for all deployments and for each one the demo exercises.
    for (const auto& filter : std::vector<std::vector<std::string>>{
             {},
             {"--deployment", "web-api", "--environment", "production"},
             {"--deployment", "web-api", "--environment", "staging"}}) {
        std::vector<std::string> args{"metrics", "--json", "--config", config.string()};
        args.insert(args.end(), filter.begin(), filter.end());
        auto metrics = run_command(SHIPLOG_BINARY, args);
        ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
        expect_every_figure(metrics.out);
    }
    // The history has what the README promises: failures, rollbacks, incidents.
    auto deploys = run_command(
        SHIPLOG_BINARY, {"deploys", "--json", "--limit", "100000", "--config", config.string()});
    ASSERT_EQ(deploys.exit_code, 0) << deploys.err;
    for (const char* failure :
         {"\"failure\":\"failed\"", "\"failure\":\"rollback\"", "\"failure\":\"incident\""})
        EXPECT_TRUE(contains(deploys.out, failure)) << failure;
    EXPECT_FALSE(contains(deploys.out, "\"commits_complete\":false"))
        << "every demo deploy's commits come from its pushes, no REST look-up";

    ServeProcess serve(SHIPLOG_BINARY, config.string());
    ASSERT_TRUE(serve.started()) << serve.process().output();
    httplib::Client client("127.0.0.1", serve.port());
    client.set_read_timeout(15);

    auto metrics = client.Get("/api/v1/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    expect_every_figure(metrics->body);

    const std::string push = read_file(k_source / "examples" / "events" / "git.push.json");
    auto posted = client.Post("/hooks/azure-devops", push, "application/json");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 200);
    EXPECT_EQ(posted->body, R"({"status":"stored"})");

    auto registered =
        client.Post("/api/1/deployments/fabrikam/mobile-app/register_deploy",
                    R"({"sha":"5a0c3e7f9b1d2c4e6f8a0b2c4d6e8f0a1b3c5d7e"})", "application/json");
    ASSERT_TRUE(registered);
    ASSERT_EQ(registered->status, 200) << registered->body;
    std::smatch id;
    ASSERT_TRUE(std::regex_search(registered->body, id,
                                  std::regex(R"re("id":"(mobile-app:production:\d+)")re")))
        << registered->body;
    auto deploy = client.Get("/api/v1/deploys/" + id[1].str());
    ASSERT_TRUE(deploy);
    ASSERT_EQ(deploy->status, 200);
    // The push's parent is the demo's last deployed mobile commit, so the
    // deploy ships exactly the push's two commits.
    EXPECT_TRUE(contains(deploy->body, R"("commits_complete":true,"commit_count":2,)"))
        << deploy->body;
}

TEST(Demo, IngestSaysWhyAnEventIsIgnored) {
    TempDir dir;
    const auto config = example_config(dir);
    // The test fixtures are Contoso's; the example tracks Fabrikam.
    auto result = run_command(
        SHIPLOG_BINARY,
        {"ingest", "--config", config.string(),
         (k_source / "tests" / "fixtures" / "events" / "git.push.json").string(),
         (k_source / "tests" / "fixtures" / "events" / "git.push.test-delivery.json").string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(contains(result.out,
                         "git.push.json: ignored: no deployment tracks "
                         "Contoso/web-api:main\n"))
        << result.out;
    EXPECT_TRUE(contains(result.out, "git.push.test-delivery.json: ignored: Test delivery\n"))
        << result.out;
}

}  // namespace
}  // namespace shiplog::testing
