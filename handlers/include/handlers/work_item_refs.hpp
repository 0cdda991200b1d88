#pragma once
// How commits and work items point at each other (docs/reference/definitions.md): "#123" and
// "AB#123" mentions in commit messages, and work-item relations to
// vstfs:///Git/Commit/{project}%2F{repository}%2F{sha}.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiplog::handlers {

// At most this many ids are taken from one message: a generated message
// listing thousands of "#n" must not blow up a deploy's work-item list.
inline constexpr std::size_t k_max_work_item_mentions = 64;

// Work item ids mentioned as "#123" or "AB#123" (case-insensitive "ab"),
// in order of first mention, without duplicates, at most `limit` of them.
// A mention starts at the beginning of the text or after a character that is
// not a letter, digit, '_' or '&' (so "abc#12", "x_#1" and "&#123;" are not
// mentions), and its digits end at the end or at such a character
// ("#12abc" is not one). Ids are 1..2147483647.
std::vector<std::int64_t> extract_work_item_ids(std::string_view message,
                                                std::size_t limit = k_max_work_item_mentions);

struct CommitArtifact {
    std::string project;     // as in the URI: usually the project GUID
    std::string repository;  // as in the URI: usually the repository GUID
    std::string sha;         // 40 lower-case hex

    friend bool operator==(const CommitArtifact&, const CommitArtifact&) = default;
};

// Parses "vstfs:///Git/Commit/{project}%2F{repository}%2F{sha}" (scheme and
// path case-insensitive, "%2f" accepted). nullopt for anything else.
std::optional<CommitArtifact> parse_commit_artifact_uri(std::string_view uri);

}  // namespace shiplog::handlers
