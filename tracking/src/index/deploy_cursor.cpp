#include "tracking/deploy_cursor.hpp"

#include <charconv>
#include <tuple>

namespace shiplog::tracking {

DeployPosition position_of(const DeployView& d) {
    return {d.deployed_at, d.seq, d.deployment, d.environment};
}

bool comes_after(const DeployPosition& a, const DeployPosition& b) {
    // Newest first, then deployment and environment ascending: a is later
    // in the list when it is older, or as old and named after b.
    return std::tie(a.deployed_at, a.seq, b.deployment, b.environment) <
           std::tie(b.deployed_at, b.seq, a.deployment, a.environment);
}

std::string format_cursor(const DeployView& d) {
    return std::to_string(d.deployed_at.time_since_epoch().count()) + "." + d.id();
}

std::optional<DeployPosition> parse_cursor(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    Timestamp::rep ns = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + dot, ns);
    if (ec != std::errc() || end != text.data() + dot) return std::nullopt;
    const auto id = text.substr(dot + 1);
    const auto first = id.find(':');
    const auto last = id.rfind(':');
    if (first == std::string_view::npos || first == 0 || first == last || last == first + 1)
        return std::nullopt;
    DeployPosition p;
    const auto digits = id.substr(last + 1);
    auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), p.seq);
    if (digits.empty() || parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size())
        return std::nullopt;
    p.deployed_at = Timestamp{Timestamp::duration{ns}};
    p.deployment = std::string(id.substr(0, first));
    p.environment = std::string(id.substr(first + 1, last - first - 1));
    return p;
}

}  // namespace shiplog::tracking
