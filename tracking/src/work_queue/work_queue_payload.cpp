// Reading a work-queue item's payload back (for the REST worker).
#include <simdjson.h>

#include "tracking/work_queue.hpp"

namespace shiplog::tracking {

namespace {

Result<simdjson::dom::element> payload_of(const QueueItem& item, const char* kind) {
    if (item.kind != kind)
        return fail(ErrorCode::invalid_argument,
                    "work-queue item '" + item.key + "' is not a " + kind);
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(item.payload.data(), item.payload.size()).get(doc) != simdjson::SUCCESS ||
        !doc.is_object())
        return fail(ErrorCode::invalid_argument,
                    "work-queue item '" + item.key + "': payload is not JSON");
    return doc;
}

bool read(simdjson::dom::element doc, const char* key, std::string& out) {
    std::string_view v;
    if (doc[key].get(v) != simdjson::SUCCESS) return false;
    out = std::string(v);
    return true;
}

Error bad(const QueueItem& item) {
    return {ErrorCode::invalid_argument,
            "work-queue item '" + item.key + "': payload lacks a field"};
}

}  // namespace

Result<BuildLookup> parse_build_lookup(const QueueItem& item) {
    auto doc = payload_of(item, k_queue_build_lookup);
    if (!doc) return tl::unexpected(doc.error());
    BuildLookup out;
    if (!read(*doc, "project", out.project) ||
        (*doc)["run_id"].get(out.run_id) != simdjson::SUCCESS)
        return tl::unexpected(bad(item));
    return out;
}

Result<ReleaseArtifactLookup> parse_release_artifact_lookup(const QueueItem& item) {
    auto doc = payload_of(item, k_queue_release_artifact_lookup);
    if (!doc) return tl::unexpected(doc.error());
    ReleaseArtifactLookup out;
    if (!read(*doc, "project", out.project) ||
        (*doc)["release_id"].get(out.release_id) != simdjson::SUCCESS)
        return tl::unexpected(bad(item));
    return out;
}

Result<CommitsBetween> parse_commits_between(const QueueItem& item) {
    auto doc = payload_of(item, k_queue_commits_between);
    if (!doc) return tl::unexpected(doc.error());
    CommitsBetween out;
    if (!read(*doc, "repo", out.repo) || !read(*doc, "from", out.from) || !read(*doc, "to", out.to))
        return tl::unexpected(bad(item));
    return out;
}

}  // namespace shiplog::tracking
