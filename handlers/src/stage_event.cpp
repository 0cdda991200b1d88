#include "handlers/stage_event.hpp"

#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

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
        SHIPLOG_TRY_ASSIGN(auto run, required_run(resource));
        stage.run_id = run.id;
        stage.run_name = std::move(run.name);
        stage.pipeline_id = run.pipeline_id;
        stage.pipeline_name = std::move(run.pipeline_name);
        // The run's own checkout: a sha that is not a commit id is ignored
        // (the build look-up then answers), never guessed at.
        if (auto resources = optional_object(run.object, "resources"))
            if (auto repositories = optional_object(*resources, "repositories"))
                if (auto self = optional_object(*repositories, "self")) {
                    if (auto version = optional_string_view(*self, "version"))
                        if (auto sha = normalize_sha(*version)) stage.source_version = *sha;
                    if (!stage.source_version.empty())
                        stage.source_branch = optional_string(*self, "refName").value_or("");
                }
    }
    if (!stage.attempt) stage.attempt = optional_int(resource, "attempt");
    return stage;
}

}  // namespace shiplog::handlers
