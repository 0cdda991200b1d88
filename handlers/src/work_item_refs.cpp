#include "handlers/work_item_refs.hpp"

#include <algorithm>

#include "json.hpp"

namespace shiplog::handlers {
namespace {

bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A mention may not follow a word character or '&' (HTML "&#123;").
bool boundary_before(std::string_view text, std::size_t pos) {
    return pos == 0 || (!is_word(text[pos - 1]) && text[pos - 1] != '&');
}

}  // namespace

std::vector<std::int64_t> extract_work_item_ids(std::string_view message, std::size_t limit) {
    constexpr std::int64_t k_max_id = 2147483647;  // work item ids are int32
    std::vector<std::int64_t> ids;
    for (std::size_t pos = 0; pos < message.size() && ids.size() < limit; ++pos) {
        if (message[pos] != '#') continue;
        // "#123" at a boundary, or "AB#123" with "AB" at a boundary.
        bool mention = boundary_before(message, pos);
        if (!mention && pos >= 2 && (message[pos - 2] == 'A' || message[pos - 2] == 'a') &&
            (message[pos - 1] == 'B' || message[pos - 1] == 'b'))
            mention = boundary_before(message, pos - 2);
        if (!mention) continue;
        std::size_t end = pos + 1;
        std::int64_t id = 0;
        bool overflow = false;
        while (end < message.size() && is_digit(message[end])) {
            id = id * 10 + (message[end] - '0');
            if (id > k_max_id) {
                overflow = true;
                id = k_max_id;  // keep scanning digits without overflowing
            }
            ++end;
        }
        if (end == pos + 1) continue;  // "#" without digits
        if (end < message.size() && is_word(message[end])) {
            pos = end;
            continue;  // "#12abc"
        }
        if (!overflow && id > 0 && std::find(ids.begin(), ids.end(), id) == ids.end())
            ids.push_back(id);
        pos = end - 1;
    }
    return ids;
}

std::optional<CommitArtifact> parse_commit_artifact_uri(std::string_view uri) {
    constexpr std::string_view k_prefix = "vstfs:///Git/Commit/";
    constexpr std::string_view k_separator = "%2F";
    if (!ascii::istarts_with(uri, k_prefix)) return std::nullopt;
    std::string_view rest = uri.substr(k_prefix.size());
    std::string_view parts[3];
    for (int i = 0; i < 3; ++i) {
        if (i == 2) {
            parts[i] = rest;
            break;
        }
        std::size_t at = std::string_view::npos;
        for (std::size_t p = 0; p + k_separator.size() <= rest.size(); ++p) {
            if (ascii::istarts_with(rest.substr(p), k_separator)) {
                at = p;
                break;
            }
        }
        if (at == std::string_view::npos) return std::nullopt;
        parts[i] = rest.substr(0, at);
        rest = rest.substr(at + k_separator.size());
    }
    for (auto part : parts)
        if (part.empty() || part.find('/') != std::string_view::npos) return std::nullopt;
    auto sha = detail::normalize_sha(parts[2]);
    if (!sha) return std::nullopt;
    return CommitArtifact{std::string(parts[0]), std::string(parts[1]), std::move(*sha)};
}

}  // namespace shiplog::handlers
