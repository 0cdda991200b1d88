// Feeds arbitrary bytes to the hooks.unhealthy state record decoder (what
// serve reads back from notify_hooks). Invariants: no crash, and a record
// that decodes encodes back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "workers/notify/hook_health.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto decoded = shiplog::daemon::decode_hook_health(bytes);
    if (!decoded) return 0;
    if (shiplog::daemon::encode_hook_health(*decoded) != bytes) std::abort();
    return 0;
}
