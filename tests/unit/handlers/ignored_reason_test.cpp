// ignored_reason: the words an "ignored" answer carries, for each way an
// event misses the config.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "handlers/relevance.hpp"
#include "support/event_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

using testing::fixture;

using config::Trigger;

config::Config fabrikam() {
    config::Config config;
    config.deployments = {testing::production_deployment("web-api", "Fabrikam")};
    return config;
}

// Classifies like the intake does and returns the reason (or "tracked").
std::string why(const std::string& body, const config::Config& config) {
    auto envelope = parse_envelope(body);
    EXPECT_TRUE(envelope.has_value());
    if (!envelope) return "";
    ParsedEvent parsed;
    if (classify_event(*envelope, body, config, &parsed) == Relevance::tracked) return "tracked";
    return ignored_reason(*envelope, body, config, parsed);
}

TEST(IgnoredReason, PushNamesTheProjectRepositoryAndBranchNobodyTracks) {
    EXPECT_EQ(why(fixture("git.push.json"), fabrikam()),
              "no deployment tracks Contoso/web-api:main");
}

TEST(IgnoredReason, TestDelivery) {
    EXPECT_EQ(why(fixture("git.push.test-delivery.json"), fabrikam()), "Test delivery");
}

TEST(IgnoredReason, EventTypeNotUsed) {
    EXPECT_EQ(why(R"({"id":"e1","eventType":"tfvc.checkin","resource":{}})", fabrikam()),
              "event type not used");
}

TEST(IgnoredReason, BuildNamesPipelineAndBranch) {
    EXPECT_EQ(why(fixture("build.complete.json"), fabrikam()),
              "no deployment tracks pipeline Contoso/web-api-ci or Contoso/web-api:main");
}

TEST(IgnoredReason, WorkItemNamesTheProject) {
    EXPECT_EQ(why(fixture("workitem.created.json"), fabrikam()),
              "no deployment is in project Contoso");
}

TEST(IgnoredReason, ReleaseNamesDefinitionAndEnvironment) {
    auto reason = why(fixture("ms.vss-release.deployment-completed-event.json"), fabrikam());
    EXPECT_TRUE(reason.starts_with("no release deployment tracks release definition ")) << reason;
}

TEST(IgnoredReason, UnparseablePayloadSaysWhatIsWrong) {
    auto reason = why(R"({"id":"e2","eventType":"git.push","resource":{}})", fabrikam());
    EXPECT_TRUE(reason.starts_with("not a usable git.push payload: ")) << reason;
}

}  // namespace
}  // namespace shiplog::handlers
