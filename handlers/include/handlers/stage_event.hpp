#pragma once
// ms.vss-pipelines.stage-state-changed-event (publisherId "pipelines").
// Current deliveries carry the run's source in
// resource.run.resources.repositories.self (version, refName); older ones
// carry no commit or branch, which then come from GET build/builds/{run_id}.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace shiplog::handlers {

struct StageEvent {
    std::int64_t pipeline_id = 0;
    std::string pipeline_name;       // the pipeline a stage [[deployment]] names
    std::int64_t run_id = 0;         // = the build id
    std::string run_name;            // "20261120.3"; empty when absent
    std::string stage_name;          // YAML stage name ("Production"; "__default" without stages)
    std::string stage_display_name;  // empty when absent or null
    std::string state;               // as sent: "notStarted", "waiting", "running", "completed"
    std::string
        result;  // as sent: "succeeded", "failed", "skipped", "canceled"; empty until completed
    std::optional<std::int64_t> attempt;  // re-runs of a stage count up, when the payload says so
    std::string source_version;  // repositories.self.version, 40 hex lower; empty if absent
    std::string source_branch;   // repositories.self.refName ("refs/heads/main")
};

// Parses a stage-state-changed body. Errors name the field, e.g.
// "resource.stage.name: missing string".
Result<StageEvent> parse_stage_event(std::string_view body);

}  // namespace shiplog::handlers
