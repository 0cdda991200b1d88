#include "handlers/release_deployment_event.hpp"

#include <algorithm>

#include "json.hpp"

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

}  // namespace

Result<ReleaseDeploymentEvent> parse_release_deployment_event(std::string_view body) {
    SHIPLOG_TRY(document, Document::parse(body));
    SHIPLOG_TRY(root, document.root());
    SHIPLOG_TRY(resource, required_object(root, "", "resource"));
    ReleaseDeploymentEvent event;
    Reference definition, release;
    std::int64_t environment_release_id = 0;
    {
        SHIPLOG_TRY(environment, required_object(resource, "resource", "environment"));
        SHIPLOG_TRY(environment_id, required_int(environment, "resource.environment", "id"));
        SHIPLOG_TRY(environment_name, required_name(environment, "resource.environment", "name"));
        event.environment_id = environment_id;
        event.environment_name = std::move(environment_name);
        event.status = optional_string(environment, "status").value_or("");
        event.definition_environment_id =
            optional_int(environment, "definitionEnvironmentId").value_or(0);
        environment_release_id = optional_int(environment, "releaseId").value_or(0);
        release = read_reference(environment, "release");
        definition = read_reference(environment, "releaseDefinition");
        // Each deploy step is one attempt; the last one is this deployment.
        if (auto steps = optional_array(environment, "deploySteps")) {
            for (auto step : *steps) {
                dom::object obj;
                if (step.get_object().get(obj) != simdjson::SUCCESS) break;
                if (auto attempt = optional_int(obj, "attempt"))
                    event.attempt = std::max(event.attempt.value_or(*attempt), *attempt);
            }
        }
    }
    if (auto obj = optional_object(resource, "release")) {
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
        if (!release.found()) release = read_reference(*deployment, "release");
        if (!definition.found()) definition = read_reference(*deployment, "releaseDefinition");
    }
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

}  // namespace shiplog::handlers
