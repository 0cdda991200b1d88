#pragma once
// A position in the deploy list (list_deploys' order: deployed_at and seq
// descending, then deployment and environment ascending), written as the
// API's paging cursor "<deployed_at ns since the epoch>.<deploy id>".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "tracking/deploy.hpp"

namespace shiplog::tracking {

struct DeployPosition {
    Timestamp deployed_at{};
    std::uint64_t seq = 0;
    std::string deployment;
    std::string environment;
};

DeployPosition position_of(const DeployView& deploy);

// True when `a` comes after `b` in the list.
bool comes_after(const DeployPosition& a, const DeployPosition& b);

std::string format_cursor(const DeployView& deploy);
// nullopt for anything format_cursor cannot have written.
std::optional<DeployPosition> parse_cursor(std::string_view text);

}  // namespace shiplog::tracking
