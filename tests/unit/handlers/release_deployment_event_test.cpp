#include "handlers/release_deployment_event.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::handlers {
namespace {

std::string fixture(const std::string& name) {
    return testing::read_file(std::filesystem::path(SHIPLOG_TEST_FIXTURES) / "events" / name);
}

std::string replaced_all(std::string text, std::string_view from, std::string_view to) {
    std::size_t count = 0;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
        ++count;
    }
    EXPECT_GT(count, 0u) << from;
    return text;
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

std::string error_of(const std::string& body) {
    auto event = parse_release_deployment_event(body);
    EXPECT_FALSE(event.has_value());
    return event ? "" : event.error().message;
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
