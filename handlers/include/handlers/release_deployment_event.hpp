#pragma once
// ms.vss-release.deployment-completed-event (publisherId "rm", classic
// release). The payload carries no artifacts: the sha comes from the Release
// REST API. Real payloads repeat the release and its definition in several
// places (resource.environment, resource.release, resource.deployment);
// the parser takes the first it finds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace shiplog::handlers {

struct ReleaseDeploymentEvent {
    std::int64_t release_definition_id = 0;
    std::string release_definition_name;  // a [[deployment]]'s release_definition
    std::int64_t release_id = 0;
    std::string release_name;                    // "Release-42"; empty when absent
    std::int64_t environment_id = 0;             // this release's environment instance
    std::string environment_name;                // a [[deployment]]'s release_environment
    std::int64_t definition_environment_id = 0;  // the environment in the definition; 0 when absent
    std::string
        status;  // as sent: "succeeded", "partiallySucceeded", "rejected", "failed", "canceled"
    std::optional<std::int64_t> attempt;  // with release and environment, the natural key
    std::string project_id;               // empty when absent
    std::string project_name;             // empty when absent
};

// Parses a deployment-completed body. Errors name the field, e.g.
// "resource.environment.releaseDefinition: missing object".
Result<ReleaseDeploymentEvent> parse_release_deployment_event(std::string_view body);

}  // namespace shiplog::handlers
