#pragma once
// Times and durations as people type and read them on the command line:
// spans back from now ("7d") next to dates and RFC 3339, and durations in
// days/hours/minutes instead of raw seconds. `now` is a parameter so that
// tests pin it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog {

// "90m", "36h", "7d", "2w": a positive whole number and one unit (m, h, d,
// w); nullopt for anything else (including "0d" and overflowing numbers).
std::optional<std::chrono::seconds> parse_span(std::string_view text);

// A span back from `now`, or what parse_cli_time accepts (a date meaning
// 00:00 UTC, or RFC 3339). The error names all three forms.
Result<Timestamp> parse_cli_time_at(std::string_view text, Timestamp now);

// A duration for tables: "45s", "12m 5s", "3h 5m", "2d 4h" (the two largest
// units, truncated; negative durations get a leading '-').
std::string format_duration(std::chrono::seconds d);

// A rate 0..1 as a percentage: "11.9%", "0%", "100%" (one decimal, trailing
// ".0" dropped).
std::string format_percent(double rate);

}  // namespace shiplog
