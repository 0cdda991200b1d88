// Feeds arbitrary text to the [[notify]] digest_at parser. Invariants: no
// crash, and an accepted value is a weekday 0..6 and a minute of the day.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = shiplog::config::parse_weekly_time(text);
    if (!parsed) return 0;
    if (parsed->first < 0 || parsed->first > 6 || parsed->second < 0 || parsed->second >= 24 * 60)
        std::abort();
    return 0;
}
