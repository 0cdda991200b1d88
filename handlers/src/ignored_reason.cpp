// ignored_reason (relevance.hpp): the words behind an "ignored" answer. It
// runs only for ignored events, after classify_event decided, so it may
// parse a body again where classify_event kept nothing.
#include <string>

#include "handlers/build_event.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/run_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"

namespace shiplog::handlers {
namespace {

std::string branch_of(std::string_view ref) {
    constexpr std::string_view k_heads = "refs/heads/";
    if (ref.starts_with(k_heads)) ref.remove_prefix(k_heads.size());
    return std::string(ref);
}

std::string repo_branch(std::string_view project, std::string_view repository,
                        std::string_view ref) {
    return std::string(project) + "/" + std::string(repository) + ":" + branch_of(ref);
}

template <class T>
std::string unusable(std::string_view type, const Result<T>& parsed) {
    return "not a usable " + std::string(type) + " payload: " + parsed.error().message;
}

std::string push_reason(const PushEvent& push) {
    if (push.ref_updates.empty()) return "the push updates no ref";
    std::string refs;
    for (const auto& ref : push.ref_updates) {
        if (!refs.empty()) refs += ", ";
        refs += repo_branch(push.project_name, push.repository_name, ref.name);
    }
    return "no deployment tracks " + refs;
}

std::string build_reason(const BuildEvent& build) {
    std::string project = build.project_name.empty() ? "" : build.project_name + "/";
    std::string why = "no deployment tracks pipeline " + project + build.definition_name;
    if (!build.repository_name.empty())
        why += " or " + repo_branch(build.project_name, build.repository_name, build.source_branch);
    return why;
}

}  // namespace

std::string ignored_reason(const Envelope& envelope, std::string_view body,
                           const config::Config& /*config*/, const ParsedEvent& parsed) {
    if (is_test_delivery(envelope)) return "Test delivery";
    const std::string& type = envelope.event_type;
    switch (payload_of(envelope.kind)) {
        case EventPayload::push: {
            if (const auto* push = std::get_if<PushEvent>(&parsed)) return push_reason(*push);
            auto again = parse_push_event(body);
            return again ? push_reason(*again) : unusable(type, again);
        }
        case EventPayload::build: {
            if (const auto* build = std::get_if<BuildEvent>(&parsed)) return build_reason(*build);
            auto again = parse_build_event(body);
            return again ? build_reason(*again) : unusable(type, again);
        }
        case EventPayload::stage: {
            const auto* stage = std::get_if<StageEvent>(&parsed);
            auto again = stage ? Result<StageEvent>(*stage) : parse_stage_event(body);
            if (!again) return unusable(type, again);
            return "no stage deployment uses pipeline " + again->pipeline_name;
        }
        case EventPayload::run: {
            auto run = parse_run_event(body);
            if (!run) return unusable(type, run);
            return "no build or stage deployment uses pipeline " + run->pipeline_name;
        }
        case EventPayload::release_deployment: {
            const auto* release = std::get_if<ReleaseDeploymentEvent>(&parsed);
            auto again = release ? Result<ReleaseDeploymentEvent>(*release)
                                 : parse_release_deployment_event(body);
            if (!again) return unusable(type, again);
            return "no release deployment tracks release definition " +
                   again->release_definition_name + ", environment " + again->environment_name;
        }
        case EventPayload::pull_request: {
            auto pr = parse_pull_request_event(body);
            if (!pr) return unusable(type, pr);
            return "no deployment tracks " + pr->project_name + "/" + pr->repository_name;
        }
        case EventPayload::pull_request_comment: {
            auto comment = parse_pull_request_comment_event(body);
            if (!comment) return unusable(type, comment);
            return "no deployment tracks " + comment->pull_request.project_name + "/" +
                   comment->pull_request.repository_name;
        }
        case EventPayload::work_item: {
            const auto* item = std::get_if<WorkItemEvent>(&parsed);
            auto again = item ? Result<WorkItemEvent>(*item) : parse_work_item_event(body);
            if (!again) return unusable(type, again);
            return "no deployment is in project " + again->team_project;
        }
        case EventPayload::none:
            break;
    }
    return "event type not used";
}

}  // namespace shiplog::handlers
