#include "handlers/push_event.hpp"

#include "common/time_format.hpp"
#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {
namespace {

using namespace detail;

Result<RefUpdate> parse_ref_update(const dom::object& obj, std::string_view path) {
    RefUpdate ref;
    SHIPLOG_TRY_ASSIGN(auto name, required_name(obj, path, "name"));
    SHIPLOG_TRY_ASSIGN(auto old_id, required_sha(obj, path, "oldObjectId"));
    SHIPLOG_TRY_ASSIGN(auto new_id, required_sha(obj, path, "newObjectId"));
    ref.name = std::move(name);
    ref.old_object_id = std::move(old_id);
    ref.new_object_id = std::move(new_id);
    return ref;
}

// One pass over each commit's fields (a push may carry hundreds). The path
// for an error message is built only on failure, where the lookup helpers
// give the exact message for the same (failing) value.
// Fills `commit` in place (a slot already in PushEvent::commits).
Status parse_commit(const dom::object& obj, std::size_t i, PushCommit& commit) {
    static constexpr std::array<std::string_view, 5> k_keys = {"commitId", "author", "committer",
                                                               "comment", "commentTruncated"};
    enum { commit_id, author, committer, comment, comment_truncated };
    auto path = [i] { return index("resource.commits", i); };
    auto fields = fields_of(obj, k_keys);
    auto id = string_value(fields[commit_id]);
    auto sha = id ? normalize_sha(*id) : std::nullopt;
    if (!sha) return tl::unexpected(required_sha(obj, path(), "commitId").error());
    commit.commit_id = std::move(*sha);
    {
        auto author_obj = object_value(fields[author]);
        if (!author_obj) return tl::unexpected(required_object(obj, path(), "author").error());
        static constexpr std::array<std::string_view, 3> k_author_keys = {"name", "email", "date"};
        auto author_fields = fields_of(*author_obj, k_author_keys);
        commit.author_name = string_value(author_fields[0]).value_or("");
        commit.author_email = string_value(author_fields[1]).value_or("");
        auto text = string_value(author_fields[2]);
        auto date = text ? parse_rfc3339(*text) : fail(ErrorCode::invalid_argument, "");
        if (!date)
            return tl::unexpected(
                required_time(*author_obj, join(path(), "author"), "date").error());
        commit.author_date = *date;
    }
    if (auto committer_obj = object_value(fields[committer]))
        commit.committer_date = optional_time(*committer_obj, "date");
    commit.comment = string_value(fields[comment]).value_or("");
    commit.comment_truncated = bool_value(fields[comment_truncated]).value_or(false);
    return {};
}

}  // namespace

Result<PushEvent> detail::read_push_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto resource, resource_of(document));
    PushEvent push;
    SHIPLOG_TRY_ASSIGN(static_cast<GitRepositoryRef&>(push), required_git_repository(resource));
    push.pushed_by = optional_identity(resource, "pushedBy").value_or("");
    // An identity object reads as "displayName <uniqueName>"; the push
    // record wants the account alone.
    if (auto open = push.pushed_by.rfind(" <");
        open != std::string::npos && push.pushed_by.ends_with('>'))
        push.pushed_by = push.pushed_by.substr(open + 2, push.pushed_by.size() - open - 3);
    SHIPLOG_TRY_ASSIGN(push.push_id, required_int(resource, "resource", "pushId"));
    SHIPLOG_TRY_ASSIGN(push.date, required_time(resource, "resource", "date"));
    {
        SHIPLOG_TRY_ASSIGN(auto refs, required_array(resource, "resource", "refUpdates"));
        std::size_t i = 0;
        for (auto element : refs) {
            std::string path = index("resource.refUpdates", i++);
            dom::object obj;
            if (element.get_object().get(obj) != simdjson::SUCCESS)
                return fail(ErrorCode::invalid_argument, path + ": not an object");
            SHIPLOG_TRY_ASSIGN(auto ref, parse_ref_update(obj, path));
            push.ref_updates.push_back(std::move(ref));
        }
    }
    if (auto commits = optional_array(resource, "commits")) {
        push.commits.reserve(commits->size());
        std::size_t i = 0;
        for (auto element : *commits) {
            dom::object obj;
            if (element.get_object().get(obj) != simdjson::SUCCESS)
                return fail(ErrorCode::invalid_argument,
                            index("resource.commits", i) + ": not an object");
            auto& commit = push.commits.emplace_back();
            if (auto parsed = parse_commit(obj, i++, commit); !parsed)
                return tl::unexpected(parsed.error());
            push.comments_truncated = push.comments_truncated || commit.comment_truncated;
        }
    }
    return push;
}

}  // namespace shiplog::handlers
