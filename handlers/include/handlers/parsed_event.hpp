#pragma once
// Typed events parsed once on the webhook path and handed to the projector.
//
// The HTTP worker parses a tracked body to classify it (relevance.hpp); the
// projector needs the same typed event again in the writer's transaction,
// which is the one serialised step of ingest. Instead of parsing the
// journaled copy a second time, the worker hands its result over, keyed by
// the journal entry's event id and the address and size of the entry's raw
// bytes (the JournalEntry is moved, never copied, from the worker to the
// writer, so the address is stable). Anything else -- reindex replaying
// the journal, REST records, an entry that was copied -- finds nothing and
// parses the raw bytes, with the same result.
//
// Threading: all functions may be called from any thread (one mutex).

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

// Keeps `event` for the entry whose raw bytes are exactly `raw` (same
// address and size). A later hand-off under the same event id replaces it.
void hand_off(std::string_view event_id, std::string_view raw, ParsedEvent event);

// Forgets what hand_off kept for that entry, if it was not taken: the
// worker calls it once the writer answered (committed, duplicate or failed).
void withdraw(std::string_view event_id, std::string_view raw);

// The projector's accessors: the handed-off event when there is one for
// exactly these bytes (removing it), else parse_*_event(raw).
Result<PushEvent> take_push_event(std::string_view event_id, std::string_view raw);
Result<BuildEvent> take_build_event(std::string_view event_id, std::string_view raw);
Result<StageEvent> take_stage_event(std::string_view event_id, std::string_view raw);
Result<ReleaseDeploymentEvent> take_release_deployment_event(std::string_view event_id,
                                                             std::string_view raw);
Result<WorkItemEvent> take_work_item_event(std::string_view event_id, std::string_view raw);

}  // namespace shiplog::handlers
