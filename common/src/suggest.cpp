#include "common/suggest.hpp"

#include <algorithm>
#include <cstddef>

#include "common/ascii.hpp"

namespace shiplog {
namespace {

using ascii::lower;

// Optimal string alignment distance (Damerau-Levenshtein without repeated
// edits of one substring): a swap of two neighbours is one typo, not two.
std::size_t distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), row(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const bool same = lower(a[i - 1]) == lower(b[j - 1]);
            row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]))
                row[j] = std::min(row[j], prev2[j - 2] + 1);
        }
        prev2.swap(prev);
        prev.swap(row);
    }
    return prev[m];
}

}  // namespace

std::optional<std::string> closest_name(std::string_view typed,
                                        const std::vector<std::string>& candidates) {
    // Names are short; anything long is not a typo of one (and would make
    // the table needlessly big).
    if (typed.empty() || typed.size() > 256) return std::nullopt;
    const std::size_t allowed = typed.size() <= 4 ? 1 : typed.size() <= 8 ? 2 : 3;
    std::optional<std::string> best;
    std::size_t best_distance = allowed + 1;
    for (const auto& candidate : candidates) {
        if (candidate.size() > typed.size() + allowed) continue;
        const auto d = distance(typed, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

}  // namespace shiplog
