#pragma once
// RFC 3339 parsing and formatting, per docs/reference/cli.md: input accepts an offset or
// none (meaning UTC) and up to nanosecond fractions; a bare date means 00:00
// UTC on the command line. Output is always whole seconds with "Z".

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog {

// "2026-11-01T10:00:00Z", "2016-09-19T13:03:27.2879096Z", "2026-11-01T10:00:00+02:00",
// "2026-11-01T10:00:00" (UTC). Rejects anything else with a message quoting the value.
Result<Timestamp> parse_rfc3339(std::string_view text);

// parse_rfc3339, or a date "2026-11-01" meaning 00:00 UTC that day.
Result<Timestamp> parse_cli_time(std::string_view text);

// "2026-11-20T10:00:00Z": truncated to whole seconds (towards the past).
std::string format_rfc3339(Timestamp t);

// Not `detail`: files that use both namespace shiplog and a namespace with
// its own detail would see two.
namespace rfc3339_detail {
// parse_rfc3339's two halves, exposed for its differential test: the fast
// path for the shapes Azure DevOps sends (nullopt for anything else), and
// the general path that decides everything the fast path leaves.
std::optional<Timestamp> parse_rfc3339_fast(std::string_view text);
Result<Timestamp> parse_rfc3339_general(std::string_view text);
}  // namespace rfc3339_detail

}  // namespace shiplog
