#include "handlers/run_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

Result<RunEvent> detail::read_run_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    SHIPLOG_TRY_ASSIGN(auto run, required_run(resource));
    RunEvent event;
    SHIPLOG_TRY_ASSIGN(event.state, required_name(run.object, "resource.run", "state"));
    event.run_id = run.id;
    event.run_name = std::move(run.name);
    event.pipeline_id = run.pipeline_id;
    event.pipeline_name = std::move(run.pipeline_name);
    event.result = optional_string(run.object, "result").value_or("");
    event.created_date = optional_time(run.object, "createdDate");
    event.finished_date = optional_time(run.object, "finishedDate");
    return event;
}

}  // namespace shiplog::handlers
