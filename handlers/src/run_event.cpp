#include "handlers/run_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<RunEvent> parse_run_event(std::string_view body) {
    return parse_with(body, detail::read_run_event);
}

Result<RunEvent> detail::read_run_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
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
        SHIPLOG_TRY(read_pipeline(resource, run, event.pipeline_id, event.pipeline_name));
    }
    return event;
}

}  // namespace shiplog::handlers
