// Feeds arbitrary bytes to the two incident body parsers (register_impact
// and the Azure Monitor common alert schema). Invariants: never crashes or
// throws; errors are one non-empty line; a parsed id is non-empty, within
// the length cap and free of control characters; a resolved alert has its
// resolved time.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "handlers/incident_request.hpp"

namespace {

void check_id(std::string_view id) {
    if (id.empty() || id.size() > shiplog::handlers::k_max_external_id_bytes) std::abort();
    for (unsigned char c : id)
        if (c < 0x20 || c == 0x7f) std::abort();
}

template <class R>
bool failed_cleanly(const R& parsed) {
    if (parsed) return false;
    const auto& m = parsed.error().message;
    if (m.empty() || m.find('\n') != std::string_view::npos) std::abort();
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto impact = shiplog::handlers::parse_register_impact_request(body);
    if (!failed_cleanly(impact)) check_id(impact->id);
    auto alert = shiplog::handlers::parse_azure_monitor_alert(body);
    if (!failed_cleanly(alert)) {
        check_id(alert->alert_id);
        if (alert->resolved != alert->resolved_at.has_value()) std::abort();
    }
    return 0;
}
