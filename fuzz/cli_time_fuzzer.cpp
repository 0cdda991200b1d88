// Feeds arbitrary bytes to the command-line / payload time parsers.
// Invariants: no crash (UBSan catches overflow), parse_cli_time accepts
// everything parse_rfc3339 accepts with the same value, and formatting a
// parsed time then parsing it again gives the time truncated to seconds.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time_format.hpp"

namespace {

void check_round_trip(shiplog::Timestamp t) {
    std::string text = shiplog::format_rfc3339(t);
    if (text.size() != 20 || text.back() != 'Z') std::abort();
    auto again = shiplog::parse_rfc3339(text);
    if (!again || *again != std::chrono::floor<std::chrono::seconds>(t)) std::abort();
    auto cli = shiplog::parse_cli_time(text);
    if (!cli || *cli != *again) std::abort();
}

void check_message(const shiplog::Error& error) {
    if (error.message.empty() || error.message.find('\n') != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto rfc = shiplog::parse_rfc3339(text);
    auto cli = shiplog::parse_cli_time(text);
    if (rfc) {
        if (!cli || *cli != *rfc) std::abort();
        check_round_trip(*rfc);
    } else {
        check_message(rfc.error());
    }
    if (cli) {
        check_round_trip(*cli);
    } else {
        check_message(cli.error());
    }
    return 0;
}
