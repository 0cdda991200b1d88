#include "handlers/build_event.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/time_format.hpp"
#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using namespace testing;  // fixture, replaced, ts, error_of

std::string error_of(std::string_view body) {
    return testing::error_of(parse_build_event(body));
}

TEST(BuildEvent, ReadsResourceVersion2) {
    auto build = parse_build_event(fixture("build.complete.json"));
    ASSERT_OK(build);
    EXPECT_EQ(build->build_id, 30512);
    EXPECT_EQ(build->build_number, "20261119.7");
    EXPECT_EQ(build->definition_id, 42);
    EXPECT_EQ(build->definition_name, "web-api-ci");
    EXPECT_EQ(build->project_id, "aa6546cf-b860-4947-8a45-6dacaa3675ed");
    EXPECT_EQ(build->project_name, "Contoso");
    EXPECT_EQ(build->repository_id, "93249743-006e-4349-b85a-1e532e6644a4");
    EXPECT_EQ(build->repository_name, "web-api");
    EXPECT_EQ(build->source_branch, "refs/heads/main");
    EXPECT_EQ(build->source_version, "d425b5be79f680dc44d1f2e2f23d4d977fd08128");
    EXPECT_EQ(build->result, BuildResult::partially_succeeded);
    EXPECT_EQ(build->raw_result, "partiallySucceeded");
    EXPECT_EQ(build->finish_time, ts("2026-11-19T16:51:47.3303001Z"));
}

TEST(BuildEvent, ReadsResourceVersion1) {
    auto build = parse_build_event(fixture("build.complete.v1.json"));
    ASSERT_OK(build);
    EXPECT_EQ(build->build_id, 30498);
    EXPECT_EQ(build->definition_id, 17);
    EXPECT_EQ(build->definition_name, "web-api-nightly");
    EXPECT_EQ(build->project_id, "");  // 1.0 names no project
    EXPECT_EQ(build->project_name, "");
    EXPECT_EQ(build->repository_name, "");
    EXPECT_EQ(build->source_branch, "refs/heads/release/2026.11");
    EXPECT_EQ(build->source_version, "26c32235c2aee2fc54c3bac3fbacc52e941a816d");
    EXPECT_EQ(build->raw_result, "stopped");
    EXPECT_EQ(build->result, BuildResult::canceled);
    EXPECT_EQ(build->finish_time, ts("2026-11-18T02:09:31.57Z"));
}

TEST(BuildEvent, NormalisesResults) {
    EXPECT_EQ(normalize_build_result("succeeded"), BuildResult::succeeded);
    EXPECT_EQ(normalize_build_result("Succeeded"), BuildResult::succeeded);
    EXPECT_EQ(normalize_build_result("partiallySucceeded"), BuildResult::partially_succeeded);
    EXPECT_EQ(normalize_build_result("FAILED"), BuildResult::failed);
    EXPECT_EQ(normalize_build_result("canceled"), BuildResult::canceled);
    EXPECT_EQ(normalize_build_result("stopped"), BuildResult::canceled);
    EXPECT_EQ(normalize_build_result("none"), BuildResult::other);
    EXPECT_EQ(normalize_build_result(""), BuildResult::other);
    EXPECT_STREQ(to_string(BuildResult::partially_succeeded), "partiallySucceeded");
    EXPECT_STREQ(to_string(BuildResult::other), "other");

    auto failed =
        parse_build_event(replaced(fixture("build.complete.json"),
                                   "\"result\": \"partiallySucceeded\"", "\"result\": \"failed\""));
    ASSERT_OK(failed);
    EXPECT_EQ(failed->result, BuildResult::failed);
    // 1.0 status as outcome.
    auto succeeded = parse_build_event(replaced(
        fixture("build.complete.v1.json"), "\"status\": \"stopped\"", "\"status\": \"succeeded\""));
    ASSERT_OK(succeeded);
    EXPECT_EQ(succeeded->result, BuildResult::succeeded);
}

TEST(BuildEvent, NamesEachMissingRequiredField) {
    const auto v2 = fixture("build.complete.json");
    EXPECT_EQ(error_of(replaced(v2, "\"id\": 30512", "\"idX\": 30512")),
              "resource.id: missing integer");
    EXPECT_EQ(error_of(replaced(v2, "\"definition\"", "\"definitionX\"")),
              "resource.definition: missing object");
    EXPECT_EQ(error_of(replaced(v2, "\"name\": \"web-api-ci\"", "\"name\": \"\"")),
              "resource.definition.name: empty string");
    EXPECT_EQ(error_of(replaced(v2, "\"finishTime\"", "\"finishTimeX\"")),
              "resource.finishTime: missing string");
    EXPECT_EQ(error_of(replaced(
                  v2, "\"sourceVersion\": \"d425",
                  "\"sourceVersion\": \"a6a6a6a6-bbbb-cccc-dddd-e7e7e7e7e7e7\", \"x\": \"")),
              "resource.sourceVersion: \"a6a6a6a6-bbbb-cccc-dddd-e7e7e7e7e7e7\" is not a 40-hex "
              "commit id");
    EXPECT_EQ(error_of(replaced(v2, "\"sourceBranch\"", "\"sourceBranchX\"")),
              "resource.sourceBranch: missing string");
    auto no_source =
        replaced(replaced(v2, "\"sourceBranch\"", "\"b\""), "\"sourceVersion\"", "\"v\"");
    EXPECT_EQ(error_of(no_source), "resource.sourceVersion: missing string");
    auto no_outcome = replaced(replaced(v2, "\"result\"", "\"r\""), "\"status\"", "\"s\"");
    EXPECT_EQ(error_of(no_outcome), "resource.status: missing string");

    const auto v1 = fixture("build.complete.v1.json");
    EXPECT_EQ(error_of(replaced(v1, "\"LG:refs/heads/release/2026.11:", "\"C1234:")),
              "resource.sourceGetVersion: \"C1234:26c32235c2aee2fc54c3bac3fbacc52e941a816d\" is "
              "not LG:<ref>:<40-hex commit id>");
    EXPECT_EQ(error_of(replaced(v1, "26c32235c2aee2fc54c3bac3fbacc52e941a816d", "26c3")),
              "resource.sourceGetVersion: \"LG:refs/heads/release/2026.11:26c3\" is not "
              "LG:<ref>:<40-hex commit id>");
}

}  // namespace
}  // namespace shiplog::handlers
