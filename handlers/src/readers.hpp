#pragma once
// The typed readers behind parse_*_event: each reads its event from a body
// already parsed, so the webhook path reads the envelope and the typed event
// from one parse (relevance.cpp). Not a public header.

#include "handlers/build_event.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/run_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"
#include "json.hpp"

namespace shiplog::handlers::detail {

Result<PushEvent> read_push_event(const Document& document);
Result<BuildEvent> read_build_event(const Document& document);
Result<StageEvent> read_stage_event(const Document& document);
Result<RunEvent> read_run_event(const Document& document);
Result<ReleaseDeploymentEvent> read_release_deployment_event(const Document& document);
Result<PullRequestEvent> read_pull_request_event(const Document& document);
Result<PullRequestCommentEvent> read_pull_request_comment_event(const Document& document);
Result<WorkItemEvent> read_work_item_event(const Document& document);

}  // namespace shiplog::handlers::detail
