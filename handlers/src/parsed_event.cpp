#include "handlers/parsed_event.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace shiplog::handlers {
namespace {

struct Slot {
    const char* data;
    std::size_t size;
    ParsedEvent event;
};

// Holds only events in flight between a worker and the writer: every
// hand_off is followed by a take (projector) or a withdraw (worker).
struct Handoff {
    std::mutex mutex;
    std::unordered_map<std::string, Slot> slots;  // by event id
};

Handoff& handoff() {
    static Handoff instance;
    return instance;
}

// The event kept for exactly these bytes, removed from the map.
std::optional<ParsedEvent> take(std::string_view event_id, std::string_view raw) {
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    if (h.slots.empty()) return std::nullopt;
    auto it = h.slots.find(std::string(event_id));
    if (it == h.slots.end() || it->second.data != raw.data() || it->second.size != raw.size())
        return std::nullopt;
    ParsedEvent event = std::move(it->second.event);
    h.slots.erase(it);
    return event;
}

template <class T, class Parse>
Result<T> take_or_parse(std::string_view event_id, std::string_view raw, Parse parse) {
    if (auto event = take(event_id, raw)) {
        if (auto* typed = std::get_if<T>(&*event)) return std::move(*typed);
    }
    return parse(raw);
}

}  // namespace

void hand_off(std::string_view event_id, std::string_view raw, ParsedEvent event) {
    if (std::holds_alternative<std::monostate>(event)) return;
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    h.slots.insert_or_assign(std::string(event_id), Slot{raw.data(), raw.size(), std::move(event)});
}

void withdraw(std::string_view event_id, std::string_view raw) {
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    if (h.slots.empty()) return;
    auto it = h.slots.find(std::string(event_id));
    if (it != h.slots.end() && it->second.data == raw.data() && it->second.size == raw.size())
        h.slots.erase(it);
}

Result<PushEvent> take_push_event(std::string_view event_id, std::string_view raw) {
    return take_or_parse<PushEvent>(event_id, raw, parse_push_event);
}

Result<BuildEvent> take_build_event(std::string_view event_id, std::string_view raw) {
    return take_or_parse<BuildEvent>(event_id, raw, parse_build_event);
}

Result<StageEvent> take_stage_event(std::string_view event_id, std::string_view raw) {
    return take_or_parse<StageEvent>(event_id, raw, parse_stage_event);
}

Result<ReleaseDeploymentEvent> take_release_deployment_event(std::string_view event_id,
                                                             std::string_view raw) {
    return take_or_parse<ReleaseDeploymentEvent>(event_id, raw, parse_release_deployment_event);
}

Result<WorkItemEvent> take_work_item_event(std::string_view event_id, std::string_view raw) {
    return take_or_parse<WorkItemEvent>(event_id, raw, parse_work_item_event);
}

}  // namespace shiplog::handlers
