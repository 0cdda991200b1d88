// The work queue's answer records: writing and parsing their JSON.
#include "tracking/lookup_records.hpp"

#include "common/json.hpp"
#include "records/codec.hpp"
#include "records/record_json.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

using ascii::is_hex40;

// project, branch and sha (40 hex, kept in lower case): what both look-up
// answers tell about the commit a build or release ran.
Status read_ref(simdjson::dom::element doc, const char* what, std::string& project,
                std::string& branch, std::string& sha) {
    SHIPLOG_TRY(record_strings(doc, what, {{"project", &project}, {"branch", &branch}}));
    SHIPLOG_TRY_ASSIGN(sha, record_sha(doc, what));
    return {};
}

}  // namespace

std::string make_build_lookup_record(const BuildLookupAnswer& a) {
    json::Writer w;
    w.begin_object().field("project", a.project).field("run_id", a.run_id);
    w.field("branch", a.branch).field("sha", a.sha);
    return w.end_object().take();
}

Result<BuildLookupAnswer> parse_build_lookup_record(std::string_view raw) {
    constexpr const char* what = "build look-up record";
    SHIPLOG_TRY_ASSIGN(auto doc, parse_record(raw, what));
    BuildLookupAnswer a;
    SHIPLOG_TRY_ASSIGN(a.run_id, record_positive_id(doc, what, "run_id"));
    SHIPLOG_TRY(read_ref(doc, what, a.project, a.branch, a.sha));
    return a;
}

std::string make_commit_range_record(const CommitRangeAnswer& a) {
    json::Writer w;
    w.begin_object().field("repo", a.repo).field("from", a.from).field("to", a.to);
    w.key("commits").begin_array();
    for (const auto& c : a.commits) {
        w.begin_object().field("sha", c.sha).field("author_name", c.author_name);
        w.field("author_email", c.author_email).field("author_date", c.author_date);
        w.field("comment", c.comment).field("comment_truncated", c.comment_truncated);
        w.end_object();
    }
    return w.end_array().end_object().take();
}

Result<CommitRangeAnswer> parse_commit_range_record(std::string_view raw) {
    constexpr const char* what = "commit range record";
    SHIPLOG_TRY_ASSIGN(auto doc, parse_record(raw, what));
    CommitRangeAnswer a;
    SHIPLOG_TRY(record_strings(doc, what, {{"repo", &a.repo}, {"from", &a.from}, {"to", &a.to}}));
    if (a.repo.empty() || !is_hex40(a.to) || !(a.from.empty() || is_hex40(a.from)))
        return fail(ErrorCode::invalid_argument, std::string(what) + ": bad repo, from or to");
    a.to = lower(a.to);
    a.from = lower(a.from);
    simdjson::dom::array commits;
    if (doc["commits"].get(commits) != simdjson::SUCCESS)
        return fail(ErrorCode::invalid_argument, std::string(what) + ".commits: missing list");
    for (auto e : commits) {
        RangeCommit c;
        SHIPLOG_TRY(record_strings(e, what,
                                   {{"sha", &c.sha},
                                    {"author_name", &c.author_name},
                                    {"author_email", &c.author_email},
                                    {"author_date", &c.author_date},
                                    {"comment", &c.comment}}));
        if (!is_hex40(c.sha))
            return fail(ErrorCode::invalid_argument,
                        std::string(what) + ".commits[].sha: not a 40-hex commit id");
        c.sha = lower(c.sha);
        bool truncated = false;
        if (e["comment_truncated"].get(truncated) != simdjson::SUCCESS)
            return fail(ErrorCode::invalid_argument,
                        std::string(what) + ".commits[].comment_truncated: missing");
        c.comment_truncated = truncated;
        a.commits.push_back(std::move(c));
    }
    return a;
}

std::string make_release_lookup_record(const ReleaseLookupAnswer& a) {
    json::Writer w;
    w.begin_object().field("project", a.project).field("release_id", a.release_id);
    w.field("build_id", a.build_id).field("branch", a.branch).field("sha", a.sha);
    return w.end_object().take();
}

Result<ReleaseLookupAnswer> parse_release_lookup_record(std::string_view raw) {
    constexpr const char* what = "release look-up record";
    SHIPLOG_TRY_ASSIGN(auto doc, parse_record(raw, what));
    ReleaseLookupAnswer a;
    SHIPLOG_TRY_ASSIGN(a.release_id, record_positive_id(doc, what, "release_id"));
    if (doc["build_id"].get(a.build_id) != simdjson::SUCCESS || a.build_id < 0)
        return fail(ErrorCode::invalid_argument, std::string(what) + ".build_id: missing integer");
    SHIPLOG_TRY(read_ref(doc, what, a.project, a.branch, a.sha));
    return a;
}

std::string make_lookup_failed_record(const LookupFailure& f) {
    return json::Writer()
        .begin_object()
        .field("key", f.key)
        .field("reason", f.reason)
        .end_object()
        .take();
}

Result<LookupFailure> parse_lookup_failed_record(std::string_view raw) {
    constexpr const char* what = "look-up failure record";
    SHIPLOG_TRY_ASSIGN(auto doc, parse_record(raw, what));
    LookupFailure f;
    SHIPLOG_TRY(record_strings(doc, what, {{"key", &f.key}, {"reason", &f.reason}}));
    if (f.key.empty()) return fail(ErrorCode::invalid_argument, std::string(what) + ".key: empty");
    return f;
}

std::string lookup_event_id(std::string_view key) {
    return "shiplog-lookup:" + std::string(key);
}
std::string lookup_failed_event_id(std::string_view key) {
    return "shiplog-lookup-failed:" + std::string(key);
}

}  // namespace shiplog::tracking
