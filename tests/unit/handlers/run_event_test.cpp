#include "handlers/run_event.hpp"

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

const char* k_file = "ms.vss-pipelines.run-state-changed-event.json";

TEST(RunEvent, ExtractsEveryField) {
    auto run = parse_run_event(fixture(k_file));
    ASSERT_OK(run);
    EXPECT_EQ(run->pipeline_id, 42);
    EXPECT_EQ(run->pipeline_name, "web-api-cd");
    EXPECT_EQ(run->run_id, 30513);
    EXPECT_EQ(run->run_name, "20261119.8");
    EXPECT_EQ(run->state, "completed");
    EXPECT_EQ(run->result, "failed");
    EXPECT_EQ(run->created_date, parse_rfc3339("2026-11-19T16:52:05.817Z").value());
    EXPECT_EQ(run->finished_date, parse_rfc3339("2026-11-19T17:31:40.002Z").value());
}

TEST(RunEvent, NamesEachMissingRequiredField) {
    const auto body = fixture(k_file);
    auto error_of = [](const std::string& b) {
        auto run = parse_run_event(b);
        EXPECT_FALSE(run.has_value());
        return run ? std::string() : run.error().message;
    };
    EXPECT_EQ(error_of(replaced(body, "\"run\"", "\"runX\"")), "resource.run: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"id\": 30513", "\"id\": \"x\"")),
              "resource.run.id: not an integer");
    EXPECT_EQ(error_of(replaced(body, "\"state\"", "\"stateX\"")),
              "resource.run.state: missing string");
    EXPECT_EQ(error_of(R"({"resource":5})"), "resource: not an object");
}

TEST(RunEvent, QuotedIdsAreAccepted) {
    auto run = parse_run_event(replaced(fixture(k_file), "\"id\": 30513", "\"id\": \"30513\""));
    ASSERT_OK(run);
    EXPECT_EQ(run->run_id, 30513);
}

}  // namespace
}  // namespace shiplog::handlers
