#pragma once
// ms.vss-release.deployment-completed-event (publisherId "rm", classic
// release). Current payloads carry the release's artifacts in
// resource.deployment.release.artifacts[]; older ones (the documented
// sample) carry none, and the sha then comes from the Release REST API.
// Real payloads repeat the release and its definition in several places
// (resource.environment, resource.release, resource.deployment); the parser
// takes the first it finds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace shiplog::handlers {

// One of the release's artifacts: definitionReference's values by key (each
// an {id, name} pair in the payload). Empty strings where absent.
struct ReleaseArtifactRef {
    std::string type;  // "Build", "Git", "GitHub", ...
    std::string alias;
    bool is_primary = false;
    std::string version_id;      // definitionReference.version.id: a build id for type Build,
                                 // a commit for Git; not always numeric
    std::string version_name;    // definitionReference.version.name (a build number)
    std::string definition;      // definitionReference.definition.name (the build pipeline)
    std::string project_id;      // definitionReference.project.id (the artifact's own project)
    std::string project_name;    // definitionReference.project.name
    std::string repository;      // definitionReference.repository.name
    std::string branch;          // definitionReference.branch.id ("refs/heads/main")
    std::string source_version;  // definitionReference.sourceVersion.id, when sent
};

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
    // resource.deployment.operationStatus: tells a deployment that ran and
    // failed ("PhaseFailed") from one that never ran ("Rejected",
    // "GateFailed", "Canceled"); empty when absent.
    // Without it (older payloads), the last environment.deploySteps[] entry's
    // operationStatus.
    std::string operation_status;
    // environment.deploySteps[] (last attempt).hasStarted; nullopt when absent.
    std::optional<bool> has_started;
    // environment.preDeployApprovals[] has a rejected approval for this attempt.
    bool pre_deploy_rejected = false;
    std::vector<ReleaseArtifactRef> artifacts;  // empty when the payload has none
};

// Parses a deployment-completed body. Errors name the field, e.g.
// "resource.environment.releaseDefinition: missing object".
Result<ReleaseDeploymentEvent> parse_release_deployment_event(std::string_view body);

// The artifact whose source the release deployed: among Build and Git
// artifacts, the one built by `pipeline` (when not empty), else the one from
// `repository` (when not empty), else the primary one, else the only one;
// nullptr when none fits.
const ReleaseArtifactRef* deployed_artifact(const std::vector<ReleaseArtifactRef>& artifacts,
                                            std::string_view pipeline, std::string_view repository);

// The commit an artifact names itself (a Git artifact's version, a Build
// artifact's sourceVersion), lower case; nullopt when only a build look-up
// can tell.
std::optional<std::string> artifact_commit(const ReleaseArtifactRef& artifact);

// What became of a deployment: deployed (status succeeded or
// partiallySucceeded), ran and failed (operationStatus PhaseFailed, or status
// failed/rejected without an operationStatus saying it never ran), or never
// ran (approval rejected, gates failed, canceled, not deployed).
enum class ReleaseOutcome { succeeded, failed, never_ran };
ReleaseOutcome release_outcome(const ReleaseDeploymentEvent& event);

}  // namespace shiplog::handlers
