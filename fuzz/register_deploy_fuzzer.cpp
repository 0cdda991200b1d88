// Feeds arbitrary bytes to the register_deploy journal-record parser (the
// projector re-parses every such entry on reindex). Invariants: parsing
// never crashes or throws; a record that parses re-encodes to a record that
// parses back to the same value; errors are one line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tracking/register_deploy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = shiplog::tracking::parse_register_deploy_record(text);
    if (!parsed) {
        if (parsed.error().message.empty() ||
            parsed.error().message.find('\n') != std::string::npos)
            std::abort();
        return 0;
    }
    auto again = shiplog::tracking::parse_register_deploy_record(
        shiplog::tracking::make_register_deploy_record(*parsed));
    if (!again || !(*again == *parsed)) std::abort();
    auto artifact = shiplog::tracking::parse_release_artifact_record(text);
    if (artifact) {
        auto back = shiplog::tracking::parse_release_artifact_record(
            shiplog::tracking::make_release_artifact_record(*artifact));
        if (!back || !(*back == *artifact)) std::abort();
    }
    return 0;
}
