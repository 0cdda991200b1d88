#pragma once
// ms.vss-pipelines.run-state-changed-event (publisherId "pipelines"): a run
// started, or moved to canceling / completed. Like stage events it carries
// no commit or branch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog::handlers {

struct RunEvent {
    std::int64_t pipeline_id = 0;
    std::string pipeline_name;
    std::int64_t run_id = 0;  // = the build id
    std::string run_name;     // empty when absent
    std::string state;        // as sent: "inProgress", "canceling", "completed"
    std::string result;       // as sent; empty until completed
    std::optional<Timestamp> created_date;
    std::optional<Timestamp> finished_date;
};

// Parses a run-state-changed body. Errors name the field, e.g.
// "resource.run.id: missing integer".
Result<RunEvent> parse_run_event(std::string_view body);

}  // namespace shiplog::handlers
