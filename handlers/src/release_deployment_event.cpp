#include "handlers/release_deployment_event.hpp"

#include <algorithm>

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

namespace {

// An {id, name} reference as release payloads nest them.
struct Reference {
    std::optional<std::int64_t> id;
    std::string name;
    bool found() const { return id.has_value() && !name.empty(); }
};

Reference read_reference(const dom::object& parent, std::string_view key) {
    Reference ref;
    if (auto obj = optional_object(parent, key)) {
        ref.id = optional_int(*obj, "id");
        ref.name = optional_string(*obj, "name").value_or("");
    }
    return ref;
}

std::string ref_field(const dom::object& reference, std::string_view key, std::string_view field) {
    if (auto obj = optional_object(reference, key)) {
        if (auto text = optional_string(*obj, field)) return *text;
        // Ids are strings in the Release API, but a number is not refused.
        if (auto number = optional_int(*obj, field)) return std::to_string(*number);
    }
    return {};
}

void read_artifacts(const dom::array& list, std::vector<ReleaseArtifactRef>& out) {
    for (auto element : list) {
        dom::object a;
        if (element.get_object().get(a) != simdjson::SUCCESS) continue;
        ReleaseArtifactRef artifact;
        artifact.type = optional_string(a, "type").value_or("");
        artifact.alias = optional_string(a, "alias").value_or("");
        artifact.is_primary = optional_bool(a, "isPrimary").value_or(false);
        if (auto ref = optional_object(a, "definitionReference")) {
            artifact.version_id = ref_field(*ref, "version", "id");
            artifact.version_name = ref_field(*ref, "version", "name");
            artifact.definition = ref_field(*ref, "definition", "name");
            artifact.project_id = ref_field(*ref, "project", "id");
            artifact.project_name = ref_field(*ref, "project", "name");
            artifact.repository = ref_field(*ref, "repository", "name");
            artifact.branch = ref_field(*ref, "branch", "id");
            if (artifact.branch.empty()) artifact.branch = ref_field(*ref, "branch", "name");
            artifact.source_version = ref_field(*ref, "sourceVersion", "id");
        }
        out.push_back(std::move(artifact));
    }
}

}  // namespace

Result<ReleaseDeploymentEvent> detail::read_release_deployment_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    ReleaseDeploymentEvent event;
    Reference definition, release;
    std::int64_t environment_release_id = 0;
    std::string step_operation_status;
    {
        SHIPLOG_TRY_ASSIGN(auto named, required_numbered(resource, "resource", "environment"));
        const dom::object& environment = named.object;
        event.environment_id = named.id;
        event.environment_name = std::move(named.name);
        event.status = optional_string(environment, "status").value_or("");
        event.definition_environment_id =
            optional_int(environment, "definitionEnvironmentId").value_or(0);
        environment_release_id = optional_int(environment, "releaseId").value_or(0);
        release = read_reference(environment, "release");
        definition = read_reference(environment, "releaseDefinition");
        // Each deploy step is one attempt; the last one is this deployment.
        // Payloads without resource.deployment say only there what became
        // of it (DeploymentAttempt: operationStatus, hasStarted).
        if (auto steps = optional_array(environment, "deploySteps")) {
            for (auto step : *steps) {
                dom::object obj;
                if (step.get_object().get(obj) != simdjson::SUCCESS) break;
                auto attempt = optional_int(obj, "attempt");
                if (attempt && event.attempt && *attempt < *event.attempt) continue;
                if (attempt) event.attempt = *attempt;
                step_operation_status = optional_string(obj, "operationStatus").value_or("");
                event.has_started = optional_bool(obj, "hasStarted");
            }
        }
        // A rejected pre-deployment approval of this attempt: it never ran.
        if (auto approvals = optional_array(environment, "preDeployApprovals")) {
            for (auto approval : *approvals) {
                dom::object obj;
                if (approval.get_object().get(obj) != simdjson::SUCCESS) break;
                auto attempt = optional_int(obj, "attempt");
                if (iequals(optional_string(obj, "status").value_or(""), "rejected") &&
                    (!attempt || !event.attempt || *attempt == *event.attempt))
                    event.pre_deploy_rejected = true;
            }
        }
    }
    if (auto obj = optional_object(resource, "release")) {
        if (auto artifacts = optional_array(*obj, "artifacts"))
            read_artifacts(*artifacts, event.artifacts);
        if (!release.found()) {
            release.id = optional_int(*obj, "id");
            release.name = optional_string(*obj, "name").value_or("");
        }
        if (!definition.found()) definition = read_reference(*obj, "releaseDefinition");
    }
    if (auto deployment = optional_object(resource, "deployment")) {
        if (auto attempt = optional_int(*deployment, "attempt")) event.attempt = attempt;
        if (event.status.empty())
            event.status = optional_string(*deployment, "deploymentStatus").value_or("");
        event.operation_status = optional_string(*deployment, "operationStatus").value_or("");
        if (auto nested = optional_object(*deployment, "release")) {
            // The deployment's copy is the one current payloads fill in.
            if (auto artifacts = optional_array(*nested, "artifacts")) {
                event.artifacts.clear();
                read_artifacts(*artifacts, event.artifacts);
            }
        }
        if (!release.found()) release = read_reference(*deployment, "release");
        if (!definition.found()) definition = read_reference(*deployment, "releaseDefinition");
    }
    if (event.operation_status.empty()) event.operation_status = std::move(step_operation_status);
    if (auto project = optional_object(resource, "project")) {
        event.project_id = optional_string(*project, "id").value_or("");
        event.project_name = optional_string(*project, "name").value_or("");
    }

    if (!definition.found())
        return fail(ErrorCode::invalid_argument,
                    "resource.environment.releaseDefinition: missing object with id and name");
    event.release_definition_id = *definition.id;
    event.release_definition_name = std::move(definition.name);
    if (release.id && *release.id != 0) {
        event.release_id = *release.id;
    } else if (environment_release_id != 0) {
        event.release_id = environment_release_id;
    } else {
        return fail(ErrorCode::invalid_argument,
                    "resource.environment.release.id: missing integer");
    }
    event.release_name = std::move(release.name);
    if (event.status.empty())
        return fail(ErrorCode::invalid_argument, "resource.environment.status: missing string");
    return event;
}

namespace {

bool usable(const ReleaseArtifactRef& a) {
    return iequals(a.type, "Build") || iequals(a.type, "Git") || iequals(a.type, "GitHub");
}

}  // namespace

const ReleaseArtifactRef* deployed_artifact(const std::vector<ReleaseArtifactRef>& artifacts,
                                            std::string_view pipeline,
                                            std::string_view repository) {
    if (!pipeline.empty())
        for (const auto& a : artifacts)
            if (usable(a) && iequals(a.type, "Build") && iequals(a.definition, pipeline)) return &a;
    if (!repository.empty())
        for (const auto& a : artifacts)
            if (usable(a) && iequals(a.repository, repository)) return &a;
    const ReleaseArtifactRef* only = nullptr;
    std::size_t count = 0;
    for (const auto& a : artifacts) {
        if (!usable(a)) continue;
        if (a.is_primary) return &a;
        only = &a;
        ++count;
    }
    return count == 1 ? only : nullptr;
}

std::optional<std::string> artifact_commit(const ReleaseArtifactRef& artifact) {
    if (!iequals(artifact.type, "Build"))
        if (auto sha = normalize_sha(artifact.version_id)) return sha;
    return normalize_sha(artifact.source_version);
}

ReleaseOutcome release_outcome(const ReleaseDeploymentEvent& event) {
    const std::string& op = event.operation_status;
    // Nothing reached the environment: counting these as failed changes
    // would inflate the change failure rate.
    for (std::string_view never : {"Rejected", "GateFailed", "Canceled", "Cancelled", "Cancelling",
                                   "PhaseCanceled", "Deferred"})
        if (iequals(op, never)) return ReleaseOutcome::never_ran;
    if (iequals(op, "PhaseFailed")) return ReleaseOutcome::failed;
    const std::string& status = event.status;
    if (iequals(status, "succeeded") || iequals(status, "partiallySucceeded"))
        return ReleaseOutcome::succeeded;
    // Older payloads: an attempt that never started, or whose approval was
    // rejected, deployed nothing.
    if (event.has_started == false || event.pre_deploy_rejected) return ReleaseOutcome::never_ran;
    if (iequals(status, "failed") || iequals(status, "rejected")) return ReleaseOutcome::failed;
    return ReleaseOutcome::never_ran;  // canceled, notDeployed, anything unknown
}

}  // namespace shiplog::handlers
