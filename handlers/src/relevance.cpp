#include "handlers/relevance.hpp"

#include "handlers/build_event.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/run_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"
#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {
namespace {

using config::DeploymentConfig;
using config::Trigger;
using detail::Document;
using detail::iequals;

bool same_repository(const DeploymentConfig& d, std::string_view project,
                     std::string_view repository) {
    return iequals(d.project, project) && iequals(d.repository, repository);
}

// Payloads without a project name (build.complete 1.0) match any project.
bool project_matches(const DeploymentConfig& d, std::string_view project) {
    return project.empty() || iequals(d.project, project);
}

// Each classify_* keeps its typed event in `parsed` (when given) once the
// decision is made, for the projector (parsed_event.hpp).
template <class T>
Relevance keep(Relevance relevance, Result<T>& event, ParsedEvent* parsed) {
    if (parsed && event) *parsed = std::move(*event);
    return relevance;
}

Relevance decide_push(const PushEvent& push, const config::Config& config) {
    for (const auto& d : config.deployments) {
        if (!same_repository(d, push.project_name, push.repository_name)) continue;
        for (const auto& ref : push.ref_updates)
            if (ref_matches_branch(ref.name, d.branch)) return Relevance::tracked;
    }
    return Relevance::ignored;
}

Relevance classify_push(const Document& body, const config::Config& config, ParsedEvent* parsed) {
    auto push = detail::read_push_event(body);
    if (!push) return Relevance::ignored;
    return keep(decide_push(*push, config), push, parsed);
}

Relevance decide_build(const BuildEvent* build, const config::Config& config) {
    for (const auto& d : config.deployments) {
        bool pipeline_deployment = d.trigger == Trigger::build || d.trigger == Trigger::stage;
        if (pipeline_deployment && iequals(d.pipeline, build->definition_name) &&
            project_matches(d, build->project_name))
            return Relevance::tracked;
        // A build of a tracked repository's branch: its sha and time help
        // whatever trigger that deployment uses.
        if (!build->repository_name.empty() &&
            same_repository(d, build->project_name, build->repository_name) &&
            ref_matches_branch(build->source_branch, d.branch))
            return Relevance::tracked;
    }
    return Relevance::ignored;
}

Relevance classify_build(const Document& body, const config::Config& config, ParsedEvent* parsed) {
    auto build = detail::read_build_event(body);
    if (!build) return Relevance::ignored;
    return keep(decide_build(&*build, config), build, parsed);
}

Relevance decide_stage(const StageEvent* stage, const config::Config& config) {
    for (const auto& d : config.deployments)
        if (d.trigger == Trigger::stage && iequals(d.pipeline, stage->pipeline_name))
            return Relevance::tracked;
    return Relevance::ignored;
}

Relevance classify_stage(const Document& body, const config::Config& config, ParsedEvent* parsed) {
    auto stage = detail::read_stage_event(body);
    if (!stage) return Relevance::ignored;
    return keep(decide_stage(&*stage, config), stage, parsed);
}

Relevance classify_run(const Document& body, const config::Config& config) {
    auto run = detail::read_run_event(body);
    if (!run) return Relevance::ignored;
    for (const auto& d : config.deployments)
        if ((d.trigger == Trigger::stage || d.trigger == Trigger::build) &&
            iequals(d.pipeline, run->pipeline_name))
            return Relevance::tracked;
    return Relevance::ignored;
}

Relevance decide_release(const ReleaseDeploymentEvent* release, const config::Config& config) {
    for (const auto& d : config.deployments)
        if (d.trigger == Trigger::release &&
            iequals(d.release_definition, release->release_definition_name) &&
            iequals(d.release_environment, release->environment_name) &&
            project_matches(d, release->project_name))
            return Relevance::tracked;
    return Relevance::ignored;
}

Relevance classify_release(const Document& body, const config::Config& config,
                           ParsedEvent* parsed) {
    auto release = detail::read_release_deployment_event(body);
    if (!release) return Relevance::ignored;
    return keep(decide_release(&*release, config), release, parsed);
}

Relevance classify_work_item(const Document& body, const config::Config& config,
                             ParsedEvent* parsed) {
    auto item = detail::read_work_item_event(body);
    if (!item) return Relevance::ignored;
    Relevance relevance = Relevance::ignored;
    for (const auto& d : config.deployments)
        if (iequals(d.project, item->team_project)) relevance = Relevance::tracked;
    return keep(relevance, item, parsed);
}

Relevance decide_pull_request(const PullRequestEvent& pr, const config::Config& config) {
    for (const auto& d : config.deployments)
        if (same_repository(d, pr.project_name, pr.repository_name)) return Relevance::tracked;
    return Relevance::ignored;
}

Relevance classify_pull_request(const Document& body, const config::Config& config) {
    auto pr = detail::read_pull_request_event(body);
    if (!pr) return Relevance::ignored;
    return decide_pull_request(*pr, config);
}

Relevance classify_pull_request_comment(const Document& body, const config::Config& config) {
    auto comment = detail::read_pull_request_comment_event(body);
    if (!comment) return Relevance::ignored;
    return decide_pull_request(comment->pull_request, config);
}

Relevance classify(const Envelope& envelope, const Document& body, const config::Config& config,
                   ParsedEvent* parsed) {
    switch (payload_of(envelope.kind)) {
        case EventPayload::push:
            return classify_push(body, config, parsed);
        case EventPayload::build:
            return classify_build(body, config, parsed);
        case EventPayload::stage:
            return classify_stage(body, config, parsed);
        case EventPayload::run:
            return classify_run(body, config);
        case EventPayload::release_deployment:
            return classify_release(body, config, parsed);
        case EventPayload::pull_request:
            return classify_pull_request(body, config);
        case EventPayload::pull_request_comment:
            return classify_pull_request_comment(body, config);
        case EventPayload::work_item:
            return classify_work_item(body, config, parsed);
        case EventPayload::none:
            break;
    }
    return Relevance::ignored;
}

}  // namespace

const char* to_string(Relevance relevance) {
    return relevance == Relevance::tracked ? "tracked" : "ignored";
}

bool ref_matches_branch(std::string_view ref, std::string_view branch) {
    constexpr std::string_view k_heads = "refs/heads/";
    if (branch.empty()) return false;
    if (branch.starts_with("refs/")) return ref == branch;
    return ref.size() == k_heads.size() + branch.size() && ref.starts_with(k_heads) &&
           ref.ends_with(branch);
}

Relevance classify_event(const Envelope& envelope, const ParsedBody& body,
                         const config::Config& config, ParsedEvent* parsed) {
    // "Test" deliveries carry documentation sample data, never real changes.
    if (is_test_delivery(envelope)) return Relevance::ignored;
    auto document = Document::of(body);
    if (!document) return Relevance::ignored;
    return classify(envelope, *document, config, parsed);
}

Relevance classify_event(const Envelope& envelope, std::string_view body,
                         const config::Config& config, ParsedEvent* parsed) {
    if (is_test_delivery(envelope)) return Relevance::ignored;
    auto document = Document::parse(body);
    if (!document) return Relevance::ignored;
    return classify(envelope, *document, config, parsed);
}

}  // namespace shiplog::handlers
