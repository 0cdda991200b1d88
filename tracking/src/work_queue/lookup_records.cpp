// The work queue's answer records: writing and parsing their JSON.
#include "tracking/lookup_records.hpp"

#include "common/json.hpp"
#include "records/codec.hpp"
#include "records/flat_record.hpp"
#include "records/record_json.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

using ascii::is_hex40;

constexpr const char* k_build_what = "build look-up record";
constexpr std::array<FlatField<BuildLookupAnswer>, 4> k_build_fields{{
    {"project", &BuildLookupAnswer::project},
    {"run_id", &BuildLookupAnswer::run_id, FieldRule::positive_id},
    {"branch", &BuildLookupAnswer::branch},
    {"sha", &BuildLookupAnswer::sha, FieldRule::sha},
}};

constexpr const char* k_release_what = "release look-up record";
constexpr std::array<FlatField<ReleaseLookupAnswer>, 5> k_release_fields{{
    {"project", &ReleaseLookupAnswer::project},
    {"release_id", &ReleaseLookupAnswer::release_id, FieldRule::positive_id},
    {"build_id", &ReleaseLookupAnswer::build_id, FieldRule::count},
    {"branch", &ReleaseLookupAnswer::branch},
    {"sha", &ReleaseLookupAnswer::sha, FieldRule::sha},
}};

constexpr const char* k_failure_what = "look-up failure record";
constexpr std::array<FlatField<LookupFailure>, 2> k_failure_fields{{
    {"key", &LookupFailure::key, FieldRule::nonempty_text},
    {"reason", &LookupFailure::reason},
}};

}  // namespace

std::string make_build_lookup_record(const BuildLookupAnswer& a) {
    return write_flat_record(a, k_build_fields);
}

Result<BuildLookupAnswer> parse_build_lookup_record(std::string_view raw) {
    return read_flat_record(raw, k_build_what, k_build_fields);
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
    return write_flat_record(a, k_release_fields);
}

Result<ReleaseLookupAnswer> parse_release_lookup_record(std::string_view raw) {
    return read_flat_record(raw, k_release_what, k_release_fields);
}

std::string make_lookup_failed_record(const LookupFailure& f) {
    return write_flat_record(f, k_failure_fields);
}

Result<LookupFailure> parse_lookup_failed_record(std::string_view raw) {
    return read_flat_record(raw, k_failure_what, k_failure_fields);
}

std::string lookup_event_id(std::string_view key) {
    return "shiplog-lookup:" + std::string(key);
}
std::string lookup_failed_event_id(std::string_view key) {
    return "shiplog-lookup-failed:" + std::string(key);
}

}  // namespace shiplog::tracking
