#include "handlers/stage_event.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/event_fixtures.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using namespace testing;  // fixture, replaced, ts, error_of

std::string error_of(std::string_view body) {
    return testing::error_of(parse_stage_event(body));
}

const char* k_file = "ms.vss-pipelines.stage-state-changed-event.json";

TEST(StageEvent, ExtractsEveryField) {
    auto stage = parse_stage_event(fixture(k_file));
    ASSERT_OK(stage);
    EXPECT_EQ(stage->pipeline_id, 42);
    EXPECT_EQ(stage->pipeline_name, "web-api-cd");
    EXPECT_EQ(stage->run_id, 30513);
    EXPECT_EQ(stage->run_name, "20261119.8");
    EXPECT_EQ(stage->stage_name, "Production");
    EXPECT_EQ(stage->stage_display_name, "Deploy to production");
    EXPECT_EQ(stage->state, "completed");
    EXPECT_EQ(stage->result, "succeeded");
    EXPECT_EQ(stage->attempt, 2);
}

TEST(StageEvent, AttemptAndResultAreOptional) {
    auto body = replaced(fixture(k_file), "\"attempt\": 2", "\"attemptX\": 2");
    body = replaced(body, "\"result\": \"succeeded\"", "\"result\": null");
    auto stage = parse_stage_event(body);
    ASSERT_OK(stage);
    EXPECT_FALSE(stage->attempt.has_value());
    EXPECT_EQ(stage->result, "");
}

TEST(StageEvent, FallsBackToTheRunsPipeline) {
    auto body = fixture(k_file);
    auto at = body.rfind("\"pipeline\"");  // resource.pipeline comes last
    body.replace(at, 10, "\"pipelineX\"");
    auto stage = parse_stage_event(body);
    ASSERT_OK(stage);
    EXPECT_EQ(stage->pipeline_name, "web-api-cd");
    EXPECT_EQ(stage->pipeline_id, 42);
}

TEST(StageEvent, NamesEachMissingRequiredField) {
    const auto body = fixture(k_file);
    EXPECT_EQ(error_of(replaced(body, "\"stage\"", "\"stageX\"")),
              "resource.stage: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"name\": \"Production\"", "\"nameX\": 1")),
              "resource.stage.name: missing string");
    EXPECT_EQ(error_of(replaced(body, "\"state\": \"completed\"", "\"state\": 3")),
              "resource.stage.state: not a string");
    EXPECT_EQ(error_of(replaced(body, "\"run\"", "\"runX\"")), "resource.run: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"id\": 30513", "\"id\": null")),
              "resource.run.id: missing integer");
    auto no_pipeline = replaced(replaced(body, "\"pipeline\"", "\"p1\""), "\"pipeline\"", "\"p2\"");
    EXPECT_EQ(error_of(no_pipeline), "resource.pipeline: missing object");
}

}  // namespace
}  // namespace shiplog::handlers

namespace shiplog::handlers {
namespace {

std::string stage_with_self(const std::string& self) {
    return R"({"id":"s1","eventType":"ms.vss-pipelines.stage-state-changed-event",)"
           R"("publisherId":"pipelines","resource":{"stage":{"name":"Production",)"
           R"("state":"completed","result":"succeeded"},"run":{"id":41,"name":"20261120.1",)"
           R"("resources":{"repositories":{"self":)" +
           self + R"(}}},"pipeline":{"id":7,"name":"web-cd"}}})";
}

TEST(StageDeliverySource, RepositoriesSelfGivesShaAndBranch) {
    auto stage = parse_stage_event(stage_with_self(
        R"({"refName":"refs/heads/main","version":"ABCDEF0123456789abcdef0123456789abcdef01"})"));
    ASSERT_OK(stage);
    EXPECT_EQ(stage->source_version, "abcdef0123456789abcdef0123456789abcdef01");
    EXPECT_EQ(stage->source_branch, "refs/heads/main");
}

TEST(StageDeliverySource, AVersionThatIsNoCommitIsIgnored) {
    auto stage =
        parse_stage_event(stage_with_self(R"({"refName":"refs/heads/main","version":"42"})"));
    ASSERT_OK(stage);
    EXPECT_EQ(stage->source_version, "");
    EXPECT_EQ(stage->source_branch, "") << "no half a source";
}

}  // namespace
}  // namespace shiplog::handlers
