#pragma once
// Typed events parsed once on the webhook path and carried to the projector.
//
// The receiver parses a tracked body to classify it (relevance.hpp); the
// projector needs the same typed event again in the writer's transaction,
// which is the one serialised step of ingest. Instead of parsing the
// journaled copy a second time, the receiver puts its result on the journal
// entry itself (storage::JournalEntry::parsed, via carry()). Anything else --
// reindex replaying the journal, REST records -- carries nothing and the
// take_* functions parse the raw bytes, with the same result.

#include <any>
#include <optional>
#include <string_view>
#include <variant>

#include "common/error.hpp"
#include "handlers/build_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"

namespace shiplog::handlers {

// The typed events the projector reads; monostate: nothing parsed.
using ParsedEvent = std::variant<std::monostate, PushEvent, BuildEvent, StageEvent,
                                 ReleaseDeploymentEvent, WorkItemEvent>;

// Wraps `event` for storage::JournalEntry::parsed (empty for monostate).
std::any carry(ParsedEvent event);

// The projector's accessors: the carried event when `parsed` holds one of
// this type (moved out: each entry is projected once), else
// parse_*_event(raw).
Result<PushEvent> take_push_event(const std::any& parsed, std::string_view raw);
Result<BuildEvent> take_build_event(const std::any& parsed, std::string_view raw);
Result<StageEvent> take_stage_event(const std::any& parsed, std::string_view raw);
Result<ReleaseDeploymentEvent> take_release_deployment_event(const std::any& parsed,
                                                             std::string_view raw);
Result<WorkItemEvent> take_work_item_event(const std::any& parsed, std::string_view raw);

}  // namespace shiplog::handlers
