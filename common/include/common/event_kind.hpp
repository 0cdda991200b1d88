#pragma once
// The Azure DevOps service-hook event types shiplog knows, and in one table
// what every layer needs to know about each: its wire name (the envelope's
// eventType, also the metrics label), the publisher and resource version its
// subscriptions ask for, which payload reader handles it, and when the hook
// planner subscribes to it.
//
// Adding an event type is adding a row (and an enumerator). A type with a
// new kind of payload also adds an EventPayload; every `switch` over it
// (relevance, ignored reason, projector) then fails to compile until it
// says what that payload means there. An eventType not in the table is
// EventKind::unknown: journaled, answered "ignored", counted as "other".

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shiplog {

enum class EventKind : std::uint8_t {
    git_push,
    pull_request_created,
    pull_request_updated,
    pull_request_merged,
    pull_request_commented,
    build_complete,
    run_state_changed,
    stage_state_changed,
    job_state_changed,
    release_deployment_completed,
    work_item_created,
    work_item_updated,
    work_item_deleted,
    work_item_restored,
    unknown,  // last: the number of known kinds
};

inline constexpr std::size_t k_event_kind_count = static_cast<std::size_t>(EventKind::unknown);

// The payload reader of a kind (handlers/*_event.hpp); kinds may share one.
// `none`: shiplog counts the type but reads nothing from it.
enum class EventPayload : std::uint8_t {
    none,
    push,
    pull_request,
    pull_request_comment,
    build,
    run,
    stage,
    release_deployment,
    work_item,
};

// When the hook planner (azure/hook_plan.hpp) subscribes to a kind.
enum class Subscribe : std::uint8_t {
    never,             // read when it arrives, never asked for
    every_deployment,  // filtered on each deployment's repository and branch
    every_repository,  // filtered on each deployment's repository (any target branch)
    build_trigger,     // deployments with trigger = "build": the pipeline's builds
    stage_trigger,     // trigger = "stage": the pipeline's stage changes
    release_trigger,   // trigger = "release": the definition's environment
    every_project,     // once per project holding a deployment
};

struct EventKindInfo {
    EventKind kind;
    std::string_view name;       // eventType on the wire; the metrics label
    std::string_view publisher;  // publisherId of its subscriptions and synthesized envelopes
    std::string_view resource_version;  // the payload version the readers expect
    EventPayload payload;
    Subscribe subscribe;
};

// In EventKind order (checked below).
inline constexpr std::array<EventKindInfo, k_event_kind_count> k_event_kinds = {{
    {EventKind::git_push, "git.push", "tfs", "1.0", EventPayload::push,
     Subscribe::every_deployment},
    // Any target branch: a pull request retargeted onto the tracked branch
    // still counts once it completes into it.
    {EventKind::pull_request_created, "git.pullrequest.created", "tfs", "1.0",
     EventPayload::pull_request, Subscribe::every_repository},
    {EventKind::pull_request_updated, "git.pullrequest.updated", "tfs", "1.0",
     EventPayload::pull_request, Subscribe::every_repository},
    {EventKind::pull_request_merged, "git.pullrequest.merged", "tfs", "1.0",
     EventPayload::pull_request, Subscribe::every_repository},
    {EventKind::pull_request_commented, "ms.vss-code.git-pullrequest-comment-event", "tfs", "1.0",
     EventPayload::pull_request_comment, Subscribe::every_repository},
    {EventKind::build_complete, "build.complete", "tfs", "1.0", EventPayload::build,
     Subscribe::build_trigger},
    {EventKind::run_state_changed, "ms.vss-pipelines.run-state-changed-event", "pipelines",
     "5.1-preview.1", EventPayload::run, Subscribe::never},
    {EventKind::stage_state_changed, "ms.vss-pipelines.stage-state-changed-event", "pipelines",
     "5.1-preview.1", EventPayload::stage, Subscribe::stage_trigger},
    {EventKind::job_state_changed, "ms.vss-pipelines.job-state-changed-event", "pipelines",
     "5.1-preview.1", EventPayload::none, Subscribe::never},
    {EventKind::release_deployment_completed, "ms.vss-release.deployment-completed-event", "rm",
     "3.0-preview.1", EventPayload::release_deployment, Subscribe::release_trigger},
    {EventKind::work_item_created, "workitem.created", "tfs", "1.0", EventPayload::work_item,
     Subscribe::every_project},
    {EventKind::work_item_updated, "workitem.updated", "tfs", "1.0", EventPayload::work_item,
     Subscribe::every_project},
    {EventKind::work_item_deleted, "workitem.deleted", "tfs", "1.0", EventPayload::work_item,
     Subscribe::every_project},
    // Not subscribed to (the planner never has); read when a subscription
    // made by hand delivers one.
    {EventKind::work_item_restored, "workitem.restored", "tfs", "1.0", EventPayload::work_item,
     Subscribe::never},
}};

namespace detail {
consteval bool event_kinds_in_order() {
    for (std::size_t i = 0; i < k_event_kinds.size(); ++i)
        if (static_cast<std::size_t>(k_event_kinds[i].kind) != i) return false;
    return true;
}
static_assert(detail::event_kinds_in_order(), "k_event_kinds rows must follow EventKind order");
}  // namespace detail

// The kind of an eventType (exact, case-sensitive, as Azure DevOps sends
// them); EventKind::unknown for any other.
EventKind event_kind_of(std::string_view name);

// The row of a known kind; must not be called with EventKind::unknown.
constexpr const EventKindInfo& info(EventKind kind) {
    return k_event_kinds[static_cast<std::size_t>(kind)];
}

// The wire name; "other" for EventKind::unknown (its metrics label).
constexpr std::string_view to_string(EventKind kind) {
    return kind == EventKind::unknown ? std::string_view("other") : info(kind).name;
}

// The payload reader; EventPayload::none for EventKind::unknown.
constexpr EventPayload payload_of(EventKind kind) {
    return kind == EventKind::unknown ? EventPayload::none : info(kind).payload;
}

}  // namespace shiplog
