#include "handlers/build_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

const char* to_string(BuildResult result) {
    switch (result) {
        case BuildResult::succeeded:
            return "succeeded";
        case BuildResult::partially_succeeded:
            return "partiallySucceeded";
        case BuildResult::failed:
            return "failed";
        case BuildResult::canceled:
            return "canceled";
        case BuildResult::other:
            return "other";
    }
    return "other";
}

BuildResult normalize_build_result(std::string_view text) {
    if (iequals(text, "succeeded")) return BuildResult::succeeded;
    if (iequals(text, "partiallySucceeded")) return BuildResult::partially_succeeded;
    if (iequals(text, "failed")) return BuildResult::failed;
    // "stopped" is the XAML-era (1.0) name of a canceled build.
    if (iequals(text, "canceled") || iequals(text, "cancelled") || iequals(text, "stopped"))
        return BuildResult::canceled;
    return BuildResult::other;
}

Result<BuildEvent> detail::read_build_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    BuildEvent build;
    SHIPLOG_TRY_ASSIGN(auto build_id, required_int(resource, "resource", "id"));
    build.build_id = build_id;
    build.build_number = optional_string(resource, "buildNumber").value_or("");

    // 2.0 has `result` next to `status: completed`; 1.0 has only `status`,
    // which is then the outcome.
    if (auto result = optional_string(resource, "result")) {
        build.raw_result = std::move(*result);
    } else {
        SHIPLOG_TRY_ASSIGN(auto status, required_string(resource, "resource", "status"));
        build.raw_result = std::move(status);
    }
    build.result = normalize_build_result(build.raw_result);

    SHIPLOG_TRY_ASSIGN(auto finish_time, required_time(resource, "resource", "finishTime"));
    build.finish_time = finish_time;

    {
        SHIPLOG_TRY_ASSIGN(auto definition, required_numbered(resource, "resource", "definition"));
        build.definition_id = definition.id;
        build.definition_name = std::move(definition.name);
        if (auto project = optional_object(definition.object, "project")) {
            build.project_id = optional_string(*project, "id").value_or("");
            build.project_name = optional_string(*project, "name").value_or("");
        }
    }
    if (auto project = optional_object(resource, "project")) {
        if (auto id = optional_string(*project, "id")) build.project_id = std::move(*id);
        if (auto name = optional_string(*project, "name")) build.project_name = std::move(*name);
    }
    if (auto repository = optional_object(resource, "repository")) {
        build.repository_id = optional_string(*repository, "id").value_or("");
        build.repository_name = optional_string(*repository, "name").value_or("");
    }

    auto source_branch = optional_string(resource, "sourceBranch");
    auto source_version = optional_string(resource, "sourceVersion");
    if (source_branch || source_version) {
        SHIPLOG_TRY_ASSIGN(auto branch, required_name(resource, "resource", "sourceBranch"));
        SHIPLOG_TRY_ASSIGN(auto sha, required_sha(resource, "resource", "sourceVersion"));
        build.source_branch = std::move(branch);
        build.source_version = std::move(sha);
    } else if (auto get_version = optional_string(resource, "sourceGetVersion")) {
        // "LG:<ref>:<sha>" (Git); other prefixes are TFVC changesets/labels.
        std::string_view text = *get_version;
        auto last = text.rfind(':');
        auto sha =
            last == std::string_view::npos ? std::nullopt : normalize_sha(text.substr(last + 1));
        if (!text.starts_with("LG:") || last <= 3 || !sha)
            return fail(ErrorCode::invalid_argument, "resource.sourceGetVersion: \"" +
                                                         std::string(text.substr(0, 64)) +
                                                         "\" is not LG:<ref>:<40-hex commit id>");
        build.source_branch = std::string(text.substr(3, last - 3));
        build.source_version = std::move(*sha);
    } else {
        return fail(ErrorCode::invalid_argument, "resource.sourceVersion: missing string");
    }
    return build;
}

}  // namespace shiplog::handlers
