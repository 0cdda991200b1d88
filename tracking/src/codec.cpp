#include "codec.hpp"

namespace shiplog::tracking::detail {

std::vector<std::string> Reader::strs() {
    const std::uint64_t n = u64();
    std::vector<std::string> v;
    for (std::uint64_t i = 0; i < n && ok(); ++i) v.push_back(str());
    return v;
}

std::vector<std::int64_t> Reader::ints() {
    const std::uint64_t n = u64();
    std::vector<std::int64_t> v;
    for (std::uint64_t i = 0; i < n && ok(); ++i) v.push_back(i64());
    return v;
}

std::string encode_deploy(const DeployView& d) {
    Writer w;
    w.str(d.deployment).str(d.environment).u64(d.seq).str(d.sha).time(d.deployed_at);
    w.u8(static_cast<std::uint8_t>(d.trigger)).u8(static_cast<std::uint8_t>(d.status));
    w.u8(static_cast<std::uint8_t>(d.failure)).boolean(d.commits_complete);
    w.u64(d.commits.size());
    for (const auto& c : d.commits)
        w.str(c.sha).str(c.author_name).str(c.author_email).opt_time(c.authored_at).str(c.summary);
    w.ints(d.work_items).ints(d.incidents).strs(d.pending);
    return w.take();
}

Result<DeployView> decode_deploy(std::string_view bytes) {
    Reader r(bytes);
    DeployView d;
    d.deployment = r.str();
    d.environment = r.str();
    d.seq = r.u64();
    d.sha = r.str();
    d.deployed_at = r.time();
    d.trigger = static_cast<config::Trigger>(r.u8());
    d.status = static_cast<DeployStatus>(r.u8());
    d.failure = static_cast<Failure>(r.u8());
    d.commits_complete = r.boolean();
    const std::uint64_t n = r.u64();
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        CommitView c;
        c.sha = r.str();
        c.author_name = r.str();
        c.author_email = r.str();
        c.authored_at = r.opt_time();
        c.summary = r.str();
        d.commits.push_back(std::move(c));
    }
    d.work_items = r.ints();
    d.incidents = r.ints();
    d.pending = r.strs();
    if (!r.done()) return fail(ErrorCode::store, "a stored deploy record does not decode");
    return d;
}

std::string encode_queue_item(const QueueItem& item) {
    Writer w;
    w.str(item.kind).str(item.payload).u64(item.attempts).time(item.created_at);
    return w.take();
}

Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes) {
    Reader r(bytes);
    QueueItem item;
    item.key = std::string(key);
    item.kind = r.str();
    item.payload = r.str();
    item.attempts = static_cast<std::uint32_t>(r.u64());
    item.created_at = r.time();
    if (!r.done())
        return fail(ErrorCode::store, "the work-queue item '" + item.key + "' does not decode");
    return item;
}

}  // namespace shiplog::tracking::detail
