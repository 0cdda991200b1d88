#include "tracking/work_queue.hpp"

#include <map>

#include "records/facts.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

// Failure marks live in the queue table under this prefix ('~' sorts after
// every kind name).
constexpr std::string_view k_failed_prefix = "~failed:";

std::string failed_key(std::string_view key) {
    return std::string(k_failed_prefix) + std::string(key);
}

QueueItem make_item(std::string kind, std::string key_tail, std::string payload, Timestamp at) {
    QueueItem item;
    item.key = kind + ":" + key_tail;
    item.kind = std::move(kind);
    item.payload = std::move(payload);
    item.created_at = at;
    return item;
}

}  // namespace

QueueItem make_build_lookup(std::string_view project, std::int64_t run_id, Timestamp at) {
    json::Writer payload;
    payload.begin_object().field("project", project).field("run_id", run_id).end_object();
    return make_item(k_queue_build_lookup, lower(project) + ":" + std::to_string(run_id),
                     payload.take(), at);
}

QueueItem make_release_artifact_lookup(std::string_view project, std::int64_t release_id,
                                       Timestamp at) {
    json::Writer payload;
    payload.begin_object().field("project", project).field("release_id", release_id).end_object();
    return make_item(k_queue_release_artifact_lookup,
                     lower(project) + ":" + std::to_string(release_id), payload.take(), at);
}

QueueItem make_commits_between(std::string_view repo, std::string_view from, std::string_view to,
                               Timestamp at) {
    json::Writer payload;
    payload.begin_object().field("repo", repo).field("from", from).field("to", to).end_object();
    return make_item(k_queue_commits_between,
                     std::string(repo) + ":" + std::string(from) + ".." + std::string(to),
                     payload.take(), at);
}

Status enqueue(lmdb::txn& txn, const Tables& tables, const QueueItem& item) {
    if (item.key.empty() || item.key.size() > k_max_key_bytes)
        return fail(ErrorCode::invalid_argument,
                    "work-queue key of " + std::to_string(item.key.size()) + " bytes");
    auto existing = get(txn, tables.queue, item.key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};
    return put(txn, tables.queue, item.key, encode_queue_item(item));
}

Result<std::vector<QueueItem>> list_pending(lmdb::txn& txn, const Tables& tables) {
    std::vector<QueueItem> items;
    if (!tables.present) return items;
    std::optional<Error> bad;
    std::map<std::string, std::string, std::less<>> failures;
    auto scanned = scan_prefix(txn, tables.queue, "", [&](std::string_view k, std::string_view v) {
        if (k.starts_with(k_failed_prefix)) {
            failures.emplace(std::string(k.substr(k_failed_prefix.size())), std::string(v));
            return true;
        }
        auto item = decode_queue_item(k, v);
        if (!item) {
            bad = item.error();
            return false;
        }
        items.push_back(std::move(*item));
        return true;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    if (bad) return tl::unexpected(*bad);
    for (auto& item : items)
        if (auto f = failures.find(item.key); f != failures.end()) item.failed = f->second;
    return items;
}

Result<std::optional<QueueItem>> find_queue_item(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view key) {
    if (!tables.present || key.empty() || key.size() > k_max_key_bytes)
        return std::optional<QueueItem>{};
    auto value = get(txn, tables.queue, key);
    if (!value) return tl::unexpected(value.error());
    if (!*value) return std::optional<QueueItem>{};
    auto item = decode_queue_item(key, **value);
    if (!item) return tl::unexpected(item.error());
    const std::string mark = failed_key(key);
    if (mark.size() <= k_max_key_bytes) {
        auto failed = get(txn, tables.queue, mark);
        if (!failed) return tl::unexpected(failed.error());
        if (*failed) item->failed = **failed;
    }
    return std::optional<QueueItem>{std::move(*item)};
}

Status record_attempt(lmdb::txn& txn, const Tables& tables, std::string_view key) {
    auto item = find_queue_item(txn, tables, key);
    if (!item) return tl::unexpected(item.error());
    if (!*item) return fail(ErrorCode::not_found, "no work-queue item '" + std::string(key) + "'");
    ++(*item)->attempts;
    return put(txn, tables.queue, key, encode_queue_item(**item));
}

Status complete(lmdb::txn& txn, const Tables& tables, std::string_view key) {
    if (key.empty() || key.size() > k_max_key_bytes) return {};
    if (auto s = del(txn, tables.queue, key); !s) return s;
    const std::string mark = failed_key(key);
    if (mark.size() > k_max_key_bytes) return {};
    return del(txn, tables.queue, mark);
}

Status mark_failed(lmdb::txn& txn, const Tables& tables, std::string_view key,
                   std::string_view reason) {
    const std::string mark = failed_key(key);
    if (key.empty() || mark.size() > k_max_key_bytes) return {};
    return put(txn, tables.queue, mark, reason);
}

Result<std::optional<ReleaseArtifactHint>> release_artifact_hint(lmdb::txn& txn,
                                                                 const Tables& tables,
                                                                 std::int64_t release_id) {
    std::optional<ReleaseArtifactHint> hint;
    if (!tables.present) return hint;
    const std::string prefix =
        KeyBuilder().u64(static_cast<std::uint64_t>(release_id)).sep().bytes();
    auto scanned =
        scan_prefix(txn, tables.releases, prefix, [&](std::string_view, std::string_view v) {
            auto fact = decode<ReleaseFact>(v);
            if (fact && !fact->artifact.type.empty()) hint = fact->artifact;
            return !hint;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    return hint;
}

}  // namespace shiplog::tracking
