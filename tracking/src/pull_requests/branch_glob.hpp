#pragma once
// Private to tracking: the branch globs of [failures] hotfix_branches.

#include <string_view>

namespace shiplog::tracking::detail {

// True when `name` (a branch name without "refs/heads/") matches `pattern`:
// case-sensitive; `*` matches any run and `?` any one character except `/`;
// `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` are character classes (never `/`);
// anything else matches itself. A `[` without its `]` matches itself.
bool branch_glob_match(std::string_view pattern, std::string_view name);

}  // namespace shiplog::tracking::detail
