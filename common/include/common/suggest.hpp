#pragma once
// "Did you mean ...?" for a mistyped name.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiplog {

// The candidate closest to `typed` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours, ASCII case ignored) if it is close
// enough to be a typo: at most 1 edit for names up to 4 characters, 2 up to
// 8, 3 beyond. Ties go to the earliest candidate. nullopt when none is.
std::optional<std::string> closest_name(std::string_view typed,
                                        const std::vector<std::string>& candidates);

}  // namespace shiplog
