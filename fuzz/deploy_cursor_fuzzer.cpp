// Feeds arbitrary bytes to the deploy list's paging cursor parser (a query
// parameter any API client sends). Invariants: no crash, and a cursor that
// parses formats back to the same text when its parts came from a deploy
// (format_cursor of the parsed position parses to the same position).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracking/deploy_cursor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = shiplog::tracking::parse_cursor(text);
    if (!parsed) return 0;
    if (parsed->deployment.empty() || parsed->environment.empty()) std::abort();
    shiplog::tracking::DeployView view;
    view.deployment = parsed->deployment;
    view.environment = parsed->environment;
    view.seq = parsed->seq;
    view.deployed_at = parsed->deployed_at;
    auto again = shiplog::tracking::parse_cursor(shiplog::tracking::format_cursor(view));
    if (!again || again->deployed_at != parsed->deployed_at || again->seq != parsed->seq ||
        again->deployment != parsed->deployment || again->environment != parsed->environment)
        std::abort();
    // Neither before nor after itself.
    if (shiplog::tracking::comes_after(*parsed, *again) ||
        shiplog::tracking::comes_after(*again, *parsed))
        std::abort();
    return 0;
}
