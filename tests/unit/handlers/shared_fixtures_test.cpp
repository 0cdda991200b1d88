// Conformance against Microsoft's own documentation samples (the shared,
// read-only folder SHIPLOG_SHARED_FIXTURES). Every sample must pass
// parse_envelope; each sample of an event type with a typed parser must
// either parse or fail with an error that names a field. The table below
// records the exact expectation per file, including the doc samples that are
// known to be unreadable and why.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "handlers/build_event.hpp"
#include "handlers/envelope.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/run_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

namespace fs = std::filesystem;

// The typed parser's verdict: nullopt = parsed, else the error message.
// No entry = the event type has no typed parser.
std::optional<std::optional<std::string>> typed_parse(const std::string& event_type,
                                                      const std::string& body) {
    auto verdict = [](const auto& result) -> std::optional<std::string> {
        if (result) return std::nullopt;
        return result.error().message;
    };
    if (event_type == "git.push") return verdict(parse_push_event(body));
    if (event_type == "build.complete") return verdict(parse_build_event(body));
    if (event_type == "ms.vss-pipelines.stage-state-changed-event")
        return verdict(parse_stage_event(body));
    if (event_type == "ms.vss-pipelines.run-state-changed-event")
        return verdict(parse_run_event(body));
    if (event_type == "ms.vss-release.deployment-completed-event")
        return verdict(parse_release_deployment_event(body));
    if (event_type.starts_with("git.pullrequest.")) return verdict(parse_pull_request_event(body));
    if (event_type == "workitem.created" || event_type == "workitem.updated" ||
        event_type == "workitem.deleted" || event_type == "workitem.restored")
        return verdict(parse_work_item_event(body));
    return std::nullopt;
}

struct Expectation {
    bool has_parser;
    std::optional<std::string> error;  // for has_parser: the exact error, or nullopt = parses
};

const std::map<std::string, Expectation>& expectations() {
    static const std::map<std::string, Expectation> table = {
        {"git.push.json", {true, std::nullopt}},
        {"git.pullrequest.created.json", {true, std::nullopt}},
        {"git.pullrequest.updated.json", {true, std::nullopt}},
        {"git.pullrequest.merged.json", {true, std::nullopt}},
        // resourceVersion 1.0: sourceGetVersion "LG:refs/heads/master:<sha>".
        {"build.complete.json", {true, std::nullopt}},
        // The 2025 docs anonymised the sha into a GUID-like string; a real
        // delivery carries 40 hex digits.
        {"build.complete.resourceVersion-2.0.docs-2025.json",
         {true,
          "resource.sourceVersion: \"a6a6a6a6-bbbb-cccc-dddd-e7e7e7e7e7e7\" is not a 40-hex commit "
          "id"}},
        {"ms.vss-pipelines.stage-state-changed-event.json", {true, std::nullopt}},
        {"ms.vss-pipelines.run-state-changed-event.json", {true, std::nullopt}},
        {"ms.vss-pipelines.job-state-changed-event.json", {false, std::nullopt}},
        // The docs sample is trimmed: no release definition anywhere (real
        // deliveries carry resource.environment.releaseDefinition and
        // resource.release.releaseDefinition), so nothing could match a
        // [[deployment]]'s release_definition.
        {"ms.vss-release.deployment-completed-event.json",
         {true, "resource.environment.releaseDefinition: missing object with id and name"}},
        {"ms.vss-release.deployment-started-event.json", {false, std::nullopt}},
        {"workitem.created.json", {true, std::nullopt}},
        {"workitem.updated.json", {true, std::nullopt}},
        {"workitem.deleted.json", {true, std::nullopt}},
        {"workitem.restored.json", {true, std::nullopt}},
        {"workitem.commented.json", {false, std::nullopt}},
    };
    return table;
}

std::vector<fs::path> shared_samples() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(SHIPLOG_SHARED_FIXTURES))
        if (entry.is_regular_file() && entry.path().extension() == ".json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(SharedFixtures, EverySampleMeetsItsExpectation) {
    if (!fs::is_directory(SHIPLOG_SHARED_FIXTURES))
        GTEST_SKIP() << "no " << SHIPLOG_SHARED_FIXTURES;
    auto files = shared_samples();
    ASSERT_FALSE(files.empty());
    for (const auto& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::string body = testing::read_file(path);
        auto envelope = parse_envelope(body);
        ASSERT_OK(envelope);
        auto verdict = typed_parse(envelope->event_type, body);
        auto known = expectations().find(path.filename().string());
        if (known == expectations().end()) {
            // A sample added later: hold it to the general rule.
            if (verdict && *verdict) {
                EXPECT_NE((*verdict)->find(": "), std::string::npos) << **verdict;
            }
            continue;
        }
        EXPECT_EQ(verdict.has_value(), known->second.has_parser);
        if (verdict) {
            EXPECT_EQ(*verdict, known->second.error);
        }
    }
}

TEST(SharedFixtures, EveryExpectationHasItsSample) {
    if (!fs::is_directory(SHIPLOG_SHARED_FIXTURES))
        GTEST_SKIP() << "no " << SHIPLOG_SHARED_FIXTURES;
    for (const auto& [name, expectation] : expectations())
        EXPECT_TRUE(fs::exists(fs::path(SHIPLOG_SHARED_FIXTURES) / name)) << name;
}

fs::path sample(const char* name) {
    return fs::path(SHIPLOG_SHARED_FIXTURES) / name;
}

TEST(SharedFixtures, DocsPushAndBuildValues) {
    if (!fs::is_directory(SHIPLOG_SHARED_FIXTURES))
        GTEST_SKIP() << "no " << SHIPLOG_SHARED_FIXTURES;
    auto push = parse_push_event(testing::read_file(sample("git.push.json")));
    ASSERT_OK(push);
    EXPECT_EQ(push->repository_name, "Fabrikam-Fiber-Git");
    EXPECT_EQ(push->push_id, 14);
    EXPECT_EQ(push->pushed_by, "Windows Live ID\\fabrikamfiber4@hotmail.com");
    ASSERT_EQ(push->ref_updates.size(), 1u);
    EXPECT_EQ(push->ref_updates[0].new_object_id, "33b55f7cb7e7e245323987634f960cf4a6e6bc74");

    auto build = parse_build_event(testing::read_file(sample("build.complete.json")));
    ASSERT_OK(build);
    EXPECT_EQ(build->definition_name, "ConsumerAddressModule");
    EXPECT_EQ(build->source_branch, "refs/heads/master");
    EXPECT_EQ(build->source_version, "600c52d2d5b655caa111abfd863e5a9bd304bb0e");
    EXPECT_EQ(build->result, BuildResult::succeeded);
}

TEST(SharedFixtures, DocsWorkItemUpdatedUsesRevisionId) {
    if (!fs::is_directory(SHIPLOG_SHARED_FIXTURES))
        GTEST_SKIP() << "no " << SHIPLOG_SHARED_FIXTURES;
    auto item = parse_work_item_event(testing::read_file(sample("workitem.updated.json")));
    ASSERT_OK(item);
    EXPECT_EQ(item->id, 5);  // workItemId is 0; resource.id (2) is the update number
    EXPECT_EQ(item->rev, 2);
    EXPECT_EQ(item->state, "Approved");  // the change's newValue
    EXPECT_EQ(item->previous_state, "New");
    EXPECT_EQ(item->team_project, "FabrikamCloud");
    EXPECT_EQ(item->changed_by, "Jamal Hartnett");
}

TEST(SharedFixtures, DocsStageEvent) {
    if (!fs::is_directory(SHIPLOG_SHARED_FIXTURES))
        GTEST_SKIP() << "no " << SHIPLOG_SHARED_FIXTURES;
    auto stage = parse_stage_event(
        testing::read_file(sample("ms.vss-pipelines.stage-state-changed-event.json")));
    ASSERT_OK(stage);
    EXPECT_EQ(stage->pipeline_name, "TEST-CI");
    EXPECT_EQ(stage->run_id, 2);
    EXPECT_EQ(stage->stage_name, "__default");
    EXPECT_EQ(stage->stage_display_name, "");  // null in the sample
    EXPECT_EQ(stage->state, "completed");
    EXPECT_EQ(stage->result, "succeeded");
    EXPECT_FALSE(stage->attempt.has_value());
}

}  // namespace
}  // namespace shiplog::handlers
