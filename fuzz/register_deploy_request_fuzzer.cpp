// Feeds arbitrary bytes to the register_deploy HTTP body parser. Invariants:
// never crashes or throws; errors are one non-empty line; a parsed sha is
// 40 lower-case hex digits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "handlers/register_deploy_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = shiplog::handlers::parse_register_deploy_request(body);
    if (!parsed) {
        const auto& m = parsed.error().message;
        if (m.empty() || m.find('\n') != std::string_view::npos) std::abort();
        return 0;
    }
    if (parsed->sha.size() != 40) std::abort();
    for (char c : parsed->sha)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) std::abort();
    return 0;
}
