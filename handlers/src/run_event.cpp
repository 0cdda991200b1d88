#include "handlers/run_event.hpp"

#include "json.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<RunEvent> parse_run_event(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto resource, parse_resource(body));
    RunEvent event;
    {
        SHIPLOG_TRY_ASSIGN(auto run, required_object(resource, "resource", "run"));
        SHIPLOG_TRY_ASSIGN(auto run_id, required_int(run, "resource.run", "id"));
        SHIPLOG_TRY_ASSIGN(auto state, required_name(run, "resource.run", "state"));
        event.run_id = run_id;
        event.state = std::move(state);
        event.run_name = optional_string(run, "name").value_or("");
        event.result = optional_string(run, "result").value_or("");
        event.created_date = optional_time(run, "createdDate");
        event.finished_date = optional_time(run, "finishedDate");
        if (auto pipeline = optional_object(run, "pipeline")) {
            event.pipeline_id = optional_int(*pipeline, "id").value_or(0);
            event.pipeline_name = optional_string(*pipeline, "name").value_or("");
        }
    }
    if (auto pipeline = optional_object(resource, "pipeline")) {
        SHIPLOG_TRY_ASSIGN(auto id, required_int(*pipeline, "resource.pipeline", "id"));
        SHIPLOG_TRY_ASSIGN(auto name, required_name(*pipeline, "resource.pipeline", "name"));
        event.pipeline_id = id;
        event.pipeline_name = std::move(name);
    } else if (event.pipeline_name.empty()) {
        return fail(ErrorCode::invalid_argument, "resource.pipeline: missing object");
    }
    return event;
}

}  // namespace shiplog::handlers
