#include "handlers/stage_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<StageEvent> parse_stage_event(std::string_view body) {
    return parse_with(body, detail::read_stage_event);
}

Result<StageEvent> detail::read_stage_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    StageEvent stage;
    {
        SHIPLOG_TRY_ASSIGN(auto obj, required_object(resource, "resource", "stage"));
        SHIPLOG_TRY_ASSIGN(auto name, required_name(obj, "resource.stage", "name"));
        SHIPLOG_TRY_ASSIGN(auto state, required_name(obj, "resource.stage", "state"));
        stage.stage_name = std::move(name);
        stage.state = std::move(state);
        stage.stage_display_name = optional_string(obj, "displayName").value_or("");
        stage.result = optional_string(obj, "result").value_or("");
        stage.attempt = optional_int(obj, "attempt");
    }
    {
        SHIPLOG_TRY_ASSIGN(auto run, required_object(resource, "resource", "run"));
        SHIPLOG_TRY_ASSIGN(auto run_id, required_int(run, "resource.run", "id"));
        stage.run_id = run_id;
        stage.run_name = optional_string(run, "name").value_or("");
        // The run's own checkout: a sha that is not a commit id is ignored
        // (the build look-up then answers), never guessed at.
        if (auto resources = optional_object(run, "resources"))
            if (auto repositories = optional_object(*resources, "repositories"))
                if (auto self = optional_object(*repositories, "self")) {
                    if (auto version = optional_string_view(*self, "version"))
                        if (auto sha = normalize_sha(*version)) stage.source_version = *sha;
                    if (!stage.source_version.empty())
                        stage.source_branch = optional_string(*self, "refName").value_or("");
                }
        SHIPLOG_TRY(read_pipeline(resource, run, stage.pipeline_id, stage.pipeline_name));
    }
    if (!stage.attempt) stage.attempt = optional_int(resource, "attempt");
    return stage;
}

}  // namespace shiplog::handlers
