#pragma once
// build.complete (publisherId "tfs", resource = build), in both payload
// shapes Azure DevOps has used:
//  - resourceVersion 1.0 (XAML era): `status` is the outcome ("succeeded",
//    "partiallySucceeded", "failed", "stopped") and the source is
//    `sourceGetVersion: "LG:<ref>:<sha>"`;
//  - resourceVersion 2.0: `status: "completed"` plus `result`, and
//    `sourceBranch`, `sourceVersion`, `repository`, `project`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog::handlers {

enum class BuildResult { succeeded, partially_succeeded, failed, canceled, other };

// "succeeded", "partiallySucceeded", "failed", "canceled", "other".
const char* to_string(BuildResult result);

// Case-insensitive; "stopped" (1.0) is canceled; anything unknown is other.
BuildResult normalize_build_result(std::string_view text);

struct BuildEvent {
    std::int64_t build_id = 0;  // natural key; equals a pipelines run id
    std::string build_number;   // "20261120.3"; empty when absent
    std::int64_t definition_id = 0;
    std::string definition_name;  // the pipeline name a [[deployment]] names
    std::string project_id;  // resource.project, else definition.project; empty when absent (1.0)
    std::string project_name;
    std::string repository_id;  // resource.repository; empty when absent (1.0)
    std::string repository_name;
    std::string source_branch;   // "refs/heads/main"
    std::string source_version;  // 40 lower-case hex
    BuildResult result = BuildResult::other;
    std::string raw_result;  // the outcome as sent ("succeeded", "stopped", ...)
    Timestamp finish_time;   // when the deploy (if any) happened
};

// Parses a build.complete body of either shape. Errors name the field, e.g.
// "resource.sourceVersion: \"a6a6...\" is not a 40-hex commit id".
Result<BuildEvent> parse_build_event(std::string_view body);

}  // namespace shiplog::handlers
