#include "common/event_kind.hpp"

namespace shiplog {

EventKind event_kind_of(std::string_view name) {
    for (const auto& row : k_event_kinds)
        if (row.name == name) return row.kind;
    return EventKind::unknown;
}

}  // namespace shiplog
