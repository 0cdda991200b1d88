#include "handlers/parsed_event.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace shiplog::handlers {
namespace {

// One event in flight. A free slot has data == nullptr; its id keeps its
// capacity, so a later hand-off reuses it without allocating.
struct Slot {
    const char* data = nullptr;
    std::size_t size = 0;
    std::string id;
    ParsedEvent event;
};

// Holds only events in flight between a worker and the writer: every
// hand_off is followed by a take (projector) or a withdraw (worker), so
// there are at most as many as there are webhook workers. A short vector
// scanned by address (compared first: it tells entries apart, the id
// then confirms) costs less than hashing and allocating a string key per
// event; it grows to the most events ever in flight at once and stays.
struct Handoff {
    std::mutex mutex;
    std::vector<Slot> slots;
    std::size_t in_use = 0;
};

Handoff& handoff() {
    static Handoff instance;
    return instance;
}

// The slot kept for exactly this entry, or nullptr. Caller holds the mutex.
Slot* find(Handoff& h, std::string_view event_id, std::string_view raw) {
    for (auto& slot : h.slots)
        if (slot.data == raw.data() && slot.data != nullptr && slot.size == raw.size() &&
            slot.id == event_id)
            return &slot;
    return nullptr;
}

void release(Handoff& h, Slot& slot) {
    slot.data = nullptr;
    slot.size = 0;
    slot.event.emplace<std::monostate>();
    --h.in_use;
}

// The event kept for exactly these bytes, removed from the table.
std::optional<ParsedEvent> take(std::string_view event_id, std::string_view raw) {
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    if (h.in_use == 0) return std::nullopt;
    Slot* slot = find(h, event_id, raw);
    if (!slot) return std::nullopt;
    std::optional<ParsedEvent> event(std::move(slot->event));
    release(h, *slot);
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
    // (A null address marks a free slot; such a view names no journal entry.)
    if (std::holds_alternative<std::monostate>(event) || raw.data() == nullptr) return;
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    // A later hand-off under the same event id replaces the earlier one.
    Slot* free = nullptr;
    for (auto& slot : h.slots) {
        if (slot.data == nullptr) {
            if (!free) free = &slot;
        } else if (slot.id == event_id) {
            release(h, slot);
            if (!free) free = &slot;
        }
    }
    if (!free) free = &h.slots.emplace_back();
    free->data = raw.data();
    free->size = raw.size();
    free->id.assign(event_id);
    free->event = std::move(event);
    ++h.in_use;
}

void withdraw(std::string_view event_id, std::string_view raw) {
    auto& h = handoff();
    std::lock_guard lock(h.mutex);
    if (h.in_use == 0) return;
    if (Slot* slot = find(h, event_id, raw)) release(h, *slot);
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
