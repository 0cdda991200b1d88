#include "handlers/push_event.hpp"

#include "json.hpp"

namespace shiplog::handlers {
namespace {

using namespace detail;

Result<RefUpdate> parse_ref_update(od::object& obj, std::string_view path) {
    RefUpdate ref;
    SHIPLOG_TRY(name, required_name(obj, path, "name"));
    SHIPLOG_TRY(old_id, required_sha(obj, path, "oldObjectId"));
    SHIPLOG_TRY(new_id, required_sha(obj, path, "newObjectId"));
    ref.name = std::move(name);
    ref.old_object_id = std::move(old_id);
    ref.new_object_id = std::move(new_id);
    return ref;
}

Result<PushCommit> parse_commit(od::object& obj, std::string_view path) {
    PushCommit commit;
    SHIPLOG_TRY(id, required_sha(obj, path, "commitId"));
    commit.commit_id = std::move(id);
    {
        std::string author_path = join(path, "author");
        SHIPLOG_TRY(author, required_object(obj, path, "author"));
        commit.author_name = optional_string(author, "name").value_or("");
        commit.author_email = optional_string(author, "email").value_or("");
        SHIPLOG_TRY(date, required_time(author, author_path, "date"));
        commit.author_date = date;
    }
    if (auto committer = optional_object(obj, "committer"))
        commit.committer_date = optional_time(*committer, "date");
    commit.comment = optional_string(obj, "comment").value_or("");
    commit.comment_truncated = optional_bool(obj, "commentTruncated").value_or(false);
    return commit;
}

}  // namespace

Result<PushEvent> parse_push_event(std::string_view body) {
    SHIPLOG_TRY(document, Document::parse(body));
    SHIPLOG_TRY(root, document.root());
    SHIPLOG_TRY(resource, required_object(root, "", "resource"));
    PushEvent push;
    {
        SHIPLOG_TRY(repository, required_object(resource, "resource", "repository"));
        SHIPLOG_TRY(repository_id, required_name(repository, "resource.repository", "id"));
        SHIPLOG_TRY(repository_name, required_name(repository, "resource.repository", "name"));
        push.repository_id = std::move(repository_id);
        push.repository_name = std::move(repository_name);
        SHIPLOG_TRY(project, required_object(repository, "resource.repository", "project"));
        SHIPLOG_TRY(project_id, required_name(project, "resource.repository.project", "id"));
        SHIPLOG_TRY(project_name, required_name(project, "resource.repository.project", "name"));
        push.project_id = std::move(project_id);
        push.project_name = std::move(project_name);
    }
    SHIPLOG_TRY(push_id, required_int(resource, "resource", "pushId"));
    push.push_id = push_id;
    SHIPLOG_TRY(date, required_time(resource, "resource", "date"));
    push.date = date;
    push.pushed_by = optional_identity(resource, "pushedBy").value_or("");
    // An identity object reads as "displayName <uniqueName>"; the push
    // record wants the account alone.
    if (auto open = push.pushed_by.rfind(" <");
        open != std::string::npos && push.pushed_by.ends_with('>'))
        push.pushed_by = push.pushed_by.substr(open + 2, push.pushed_by.size() - open - 3);
    {
        SHIPLOG_TRY(refs, required_array(resource, "resource", "refUpdates"));
        std::size_t i = 0;
        for (auto element : refs) {
            std::string path = index("resource.refUpdates", i++);
            od::object obj;
            if (element.get_object().get(obj) != simdjson::SUCCESS)
                return fail(ErrorCode::invalid_argument, path + ": not an object");
            SHIPLOG_TRY(ref, parse_ref_update(obj, path));
            push.ref_updates.push_back(std::move(ref));
            if (!document_alive()) break;
        }
    }
    if (auto commits = optional_array(resource, "commits")) {
        std::size_t i = 0;
        for (auto element : *commits) {
            std::string path = index("resource.commits", i++);
            od::object obj;
            if (element.get_object().get(obj) != simdjson::SUCCESS)
                return fail(ErrorCode::invalid_argument, path + ": not an object");
            SHIPLOG_TRY(commit, parse_commit(obj, path));
            push.comments_truncated = push.comments_truncated || commit.comment_truncated;
            push.commits.push_back(std::move(commit));
            if (!document_alive()) break;
        }
    }
    return finish(std::move(push));
}

}  // namespace shiplog::handlers
