#include "handlers/parsed_event.hpp"

#include <memory>

namespace shiplog::handlers {
namespace {

// The carrier is a shared_ptr so the projector, which sees the journal entry
// as const, can still move the typed event out instead of copying its
// commit lists: the entry is projected once, and the cache is spent then.
using Carried = std::shared_ptr<ParsedEvent>;

template <class T, class Parse>
Result<T> take_or_parse(const std::any& parsed, std::string_view raw, Parse parse) {
    if (const auto* carried = std::any_cast<Carried>(&parsed); carried && *carried) {
        if (auto* typed = std::get_if<T>(carried->get())) {
            T event = std::move(*typed);
            (*carried)->emplace<std::monostate>();
            return event;
        }
    }
    return parse(raw);
}

}  // namespace

std::any carry(ParsedEvent event) {
    if (std::holds_alternative<std::monostate>(event)) return {};
    return std::make_shared<ParsedEvent>(std::move(event));
}

Result<PushEvent> take_push_event(const std::any& parsed, std::string_view raw) {
    return take_or_parse<PushEvent>(parsed, raw, parse_push_event);
}

Result<BuildEvent> take_build_event(const std::any& parsed, std::string_view raw) {
    return take_or_parse<BuildEvent>(parsed, raw, parse_build_event);
}

Result<StageEvent> take_stage_event(const std::any& parsed, std::string_view raw) {
    return take_or_parse<StageEvent>(parsed, raw, parse_stage_event);
}

Result<ReleaseDeploymentEvent> take_release_deployment_event(const std::any& parsed,
                                                             std::string_view raw) {
    return take_or_parse<ReleaseDeploymentEvent>(parsed, raw, parse_release_deployment_event);
}

Result<WorkItemEvent> take_work_item_event(const std::any& parsed, std::string_view raw) {
    return take_or_parse<WorkItemEvent>(parsed, raw, parse_work_item_event);
}

}  // namespace shiplog::handlers
