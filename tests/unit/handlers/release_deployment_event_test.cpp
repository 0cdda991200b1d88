#include "handlers/release_deployment_event.hpp"

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
    return testing::error_of(parse_release_deployment_event(body));
}

const char* k_file = "ms.vss-release.deployment-completed-event.json";

TEST(ReleaseDeploymentEvent, ExtractsEveryField) {
    auto event = parse_release_deployment_event(fixture(k_file));
    ASSERT_OK(event);
    EXPECT_EQ(event->release_definition_id, 7);
    EXPECT_EQ(event->release_definition_name, "web-api-release");
    EXPECT_EQ(event->release_id, 311);
    EXPECT_EQ(event->release_name, "Release-311");
    EXPECT_EQ(event->environment_id, 1290);
    EXPECT_EQ(event->environment_name, "Prod");
    EXPECT_EQ(event->definition_environment_id, 21);
    EXPECT_EQ(event->status, "partiallySucceeded");
    EXPECT_EQ(event->attempt, 2);
    EXPECT_EQ(event->project_id, "aa6546cf-b860-4947-8a45-6dacaa3675ed");
    EXPECT_EQ(event->project_name, "Contoso");
}

TEST(ReleaseDeploymentEvent, FindsTheDefinitionAndAttemptElsewhere) {
    // Only resource.release names the definition; only deploySteps give the attempt.
    auto body = replaced(fixture(k_file), "\"releaseDefinition\"",
                         "\"releaseDefinitionX\"");  // environment's
    body = replaced(body, "\"deployment\"", "\"deploymentX\"");
    auto event = parse_release_deployment_event(body);
    ASSERT_OK(event);
    EXPECT_EQ(event->release_definition_name, "web-api-release");
    EXPECT_EQ(event->attempt, 2);  // the last deploy step
}

TEST(ReleaseDeploymentEvent, NamesEachMissingRequiredField) {
    const auto body = fixture(k_file);
    EXPECT_EQ(error_of(replaced(body, "\"environment\"", "\"environmentX\"")),
              "resource.environment: missing object");
    EXPECT_EQ(error_of(replaced(body, "\"id\": 1290", "\"idX\": 1290")),
              "resource.environment.id: missing integer");
    EXPECT_EQ(error_of(replaced(body, "\"name\": \"Prod\"", "\"name\": \"\"")),
              "resource.environment.name: empty string");
    EXPECT_EQ(error_of(replaced_all(body, "\"releaseDefinition\"", "\"rd\"")),
              "resource.environment.releaseDefinition: missing object with id and name");
    auto no_release = replaced_all(replaced_all(body, "\"release\"", "\"r\""), "\"releaseId\": 311",
                                   "\"releaseId\": 0");
    EXPECT_EQ(error_of(no_release), "resource.environment.release.id: missing integer");
    auto no_status =
        replaced_all(replaced_all(body, "\"status\": \"partiallySucceeded\"", "\"s\": 1"),
                     "\"deploymentStatus\"", "\"ds\"");
    EXPECT_EQ(error_of(no_status), "resource.environment.status: missing string");
}

}  // namespace
}  // namespace shiplog::handlers

namespace shiplog::handlers {
namespace {

// A current delivery: the deployment names its operationStatus and carries
// the release's artifacts (fields as the Release API documents them).
std::string with_artifacts(const std::string& operation_status) {
    return R"({"id":"d1","eventType":"ms.vss-release.deployment-completed-event","publisherId":"rm",)"
           R"("resource":{"environment":{"id":31,"name":"Prod","status":"rejected","releaseId":12,)"
           R"("release":{"id":12,"name":"Release-12"},"releaseDefinition":{"id":4,"name":"web-rm"}},)"
           R"("deployment":{"id":77,"attempt":2,"operationStatus":")" +
           operation_status +
           R"(","release":{"id":12,"artifacts":[)"
           R"({"type":"Build","alias":"_tools","isPrimary":true,"definitionReference":{)"
           R"("definition":{"id":"8","name":"tools-ci"},"version":{"id":"901","name":"20261120.2"},)"
           R"("project":{"id":"p-2","name":"Platform"}}},)"
           R"({"type":"Build","alias":"_web","isPrimary":false,"definitionReference":{)"
           R"("definition":{"id":"3","name":"web-ci"},"version":{"id":"902","name":"20261120.3"},)"
           R"("project":{"id":"p-2","name":"Platform"},"repository":{"id":"r","name":"web"},)"
           R"("branch":{"id":"refs/heads/main","name":"refs/heads/main"},)"
           R"("sourceVersion":{"id":"ABCDEF0123456789abcdef0123456789abcdef01","name":"x"}}},)"
           R"({"type":"Git","alias":"_src","isPrimary":false,"definitionReference":{)"
           R"("version":{"id":"1111111111111111111111111111111111111111","name":"main"}}}]}}}})";
}

TEST(ReleaseDeliveryArtifacts, AreReadWithTheirOwnProject) {
    auto event = parse_release_deployment_event(with_artifacts("PhaseFailed"));
    ASSERT_OK(event);
    EXPECT_EQ(event->operation_status, "PhaseFailed");
    ASSERT_EQ(event->artifacts.size(), 3u);
    const auto& web = event->artifacts[1];
    EXPECT_EQ(web.type, "Build");
    EXPECT_FALSE(web.is_primary);
    EXPECT_EQ(web.version_id, "902");
    EXPECT_EQ(web.definition, "web-ci");
    EXPECT_EQ(web.project_name, "Platform");
    EXPECT_EQ(web.project_id, "p-2");
    EXPECT_EQ(web.repository, "web");
    EXPECT_EQ(web.branch, "refs/heads/main");
    EXPECT_EQ(artifact_commit(web), "abcdef0123456789abcdef0123456789abcdef01");
    EXPECT_FALSE(artifact_commit(event->artifacts[0])) << "a build id is no commit";
    EXPECT_EQ(artifact_commit(event->artifacts[2]), std::string(40, '1'));
}

TEST(ReleaseDeliveryArtifacts, PipelineBeatsPrimaryThenRepositoryThenPrimary) {
    auto event = parse_release_deployment_event(with_artifacts("Approved"));
    ASSERT_OK(event);
    EXPECT_EQ(deployed_artifact(event->artifacts, "web-ci", "")->alias, "_web");
    EXPECT_EQ(deployed_artifact(event->artifacts, "", "web")->alias, "_web");
    EXPECT_EQ(deployed_artifact(event->artifacts, "", "")->alias, "_tools");
    EXPECT_EQ(deployed_artifact(event->artifacts, "unknown-ci", "")->alias, "_tools");
    EXPECT_EQ(deployed_artifact({}, "web-ci", "web"), nullptr);
}

TEST(ReleaseDeliveryOutcome, NeverRanIsNoDeployPhaseFailedIsFailed) {
    for (const char* never : {"Rejected", "GateFailed", "Canceled", "PhaseCanceled"}) {
        auto event = parse_release_deployment_event(with_artifacts(never));
        ASSERT_OK(event);
        EXPECT_EQ(release_outcome(*event), ReleaseOutcome::never_ran) << never;
    }
    auto failed = parse_release_deployment_event(with_artifacts("PhaseFailed"));
    ASSERT_OK(failed);
    EXPECT_EQ(release_outcome(*failed), ReleaseOutcome::failed);
    ReleaseDeploymentEvent old_shape;  // no operationStatus: the status decides
    old_shape.status = "rejected";
    EXPECT_EQ(release_outcome(old_shape), ReleaseOutcome::failed);
    old_shape.status = "partiallySucceeded";
    EXPECT_EQ(release_outcome(old_shape), ReleaseOutcome::succeeded);
    old_shape.status = "canceled";
    EXPECT_EQ(release_outcome(old_shape), ReleaseOutcome::never_ran);
}

// An older delivery: no resource.deployment; the environment's deploy steps
// (DeploymentAttempt) and pre-deployment approvals tell what became of it.
std::string older_shape(const std::string& steps, const std::string& approvals) {
    return R"({"id":"d2","eventType":"ms.vss-release.deployment-completed-event","publisherId":"rm",)"
           R"("resource":{"environment":{"id":31,"name":"Prod","status":"rejected","releaseId":12,)"
           R"("release":{"id":12,"name":"Release-12"},"releaseDefinition":{"id":4,"name":"web-rm"},)"
           R"("preDeployApprovals":[)" +
           approvals + R"(],"deploySteps":[)" + steps + R"(]}}})";
}

TEST(ReleaseDeliveryOutcome, OlderShapeTellsNeverRanFromTheDeployStepsAndApprovals) {
    const std::string first_failed =
        R"({"id":1,"deploymentId":70,"attempt":1,"hasStarted":true,"status":"failed",)"
        R"("operationStatus":"PhaseFailed"})";
    struct Case {
        std::string steps, approvals;
        ReleaseOutcome want;
        const char* why;
    } cases[] = {
        {first_failed, "", ReleaseOutcome::failed, "a started attempt that failed"},
        {first_failed + R"(,{"id":2,"deploymentId":71,"attempt":2,"hasStarted":false,)"
                        R"("status":"notDeployed","operationStatus":"Rejected"})",
         "", ReleaseOutcome::never_ran, "the last attempt's operationStatus"},
        {R"({"id":2,"attempt":2,"hasStarted":false,"status":"notDeployed"})", "",
         ReleaseOutcome::never_ran, "an attempt that never started"},
        {R"({"id":2,"attempt":2})",
         R"({"id":5,"attempt":1,"status":"approved"},{"id":6,"attempt":2,"status":"rejected"})",
         ReleaseOutcome::never_ran, "this attempt's approval rejected"},
        {R"({"id":2,"attempt":2})", R"({"id":5,"attempt":1,"status":"rejected"})",
         ReleaseOutcome::failed, "an earlier attempt's rejection does not count"},
        {"", "", ReleaseOutcome::failed, "nothing to tell: the status decides"},
    };
    for (const auto& c : cases) {
        auto event = parse_release_deployment_event(older_shape(c.steps, c.approvals));
        ASSERT_OK(event);
        EXPECT_EQ(release_outcome(*event), c.want) << c.why;
    }
    auto event = parse_release_deployment_event(older_shape(cases[1].steps, ""));
    ASSERT_OK(event);
    EXPECT_EQ(event->attempt, 2);
    EXPECT_EQ(event->operation_status, "Rejected");
}

}  // namespace
}  // namespace shiplog::handlers
