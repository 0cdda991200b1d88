// The standalone parse_*_event(body) functions: each parses on this thread's
// parser, then reads its event with the same reader the webhook path uses
// (readers.hpp). One definition serves them all.
#include "readers.hpp"

namespace shiplog::handlers {

#define SHIPLOG_STANDALONE_PARSER(Event, name)                \
    Result<Event> parse_##name(std::string_view body) {       \
        return detail::parse_with(body, detail::read_##name); \
    }

SHIPLOG_STANDALONE_PARSER(PushEvent, push_event)
SHIPLOG_STANDALONE_PARSER(BuildEvent, build_event)
SHIPLOG_STANDALONE_PARSER(StageEvent, stage_event)
SHIPLOG_STANDALONE_PARSER(RunEvent, run_event)
SHIPLOG_STANDALONE_PARSER(ReleaseDeploymentEvent, release_deployment_event)
SHIPLOG_STANDALONE_PARSER(PullRequestEvent, pull_request_event)
SHIPLOG_STANDALONE_PARSER(PullRequestCommentEvent, pull_request_comment_event)
SHIPLOG_STANDALONE_PARSER(WorkItemEvent, work_item_event)

#undef SHIPLOG_STANDALONE_PARSER

}  // namespace shiplog::handlers
