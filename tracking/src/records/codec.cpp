#include "records/codec.hpp"

#include <chrono>
#include <cstdio>

#include "common/time_format.hpp"
namespace shiplog::tracking::detail {

Result<DeployView> decode_deploy(std::string_view bytes) {
    auto deploy = decode<DeployView>(bytes);
    if (!deploy) return fail(ErrorCode::store, "a stored deploy record does not decode");
    return std::move(*deploy);
}

std::string encode_queue_item(const QueueItem& item) {
    return encode(item);
}

Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes) {
    auto item = decode<QueueItem>(bytes);
    if (!item)
        return fail(ErrorCode::store,
                    "the work-queue item '" + std::string(key) + "' does not decode");
    item->key = std::string(key);
    return std::move(*item);
}

void write_commit_fields(json::Writer& w, const CommitView& c) {
    w.field("sha", c.sha).field("author_email", c.author_email);
    w.time_field("authored_at", c.authored_at);
    w.field("summary", c.summary);
}

void write_batch(json::Writer& w, const BatchSize& batch) {
    w.key("batch").begin_object().field("commits", batch.commits);
    w.field("pull_requests", batch.pull_requests).field("work_items", batch.work_items);
    w.field("size", batch_size_class(batch.commits)).end_object();
}

void write_rework(json::Writer& w, Rework rework) {
    w.key("rework");
    if (rework == Rework::none)
        w.null();
    else
        w.value(to_string(rework));
}

std::string format_rfc3339_nanos(Timestamp t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto nanos = (t - secs).count();
    std::string whole = format_rfc3339(secs);  // "...Z"
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
    whole.insert(whole.size() - 1, fraction);
    return whole;
}
}  // namespace shiplog::tracking::detail
