#include "tracking/tables.hpp"

#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "facts.hpp"

namespace shiplog::tracking {

Result<Tables> Tables::open(storage::Store& store) {
    Tables tables;
    const std::pair<const char*, MDB_dbi*> all[] = {{"tr_repos", &tables.repos},
                                                    {"tr_pushes", &tables.pushes},
                                                    {"tr_ref_links", &tables.ref_links},
                                                    {"tr_commits", &tables.commits},
                                                    {"tr_builds", &tables.builds},
                                                    {"tr_stages", &tables.stages},
                                                    {"tr_releases", &tables.releases},
                                                    {"tr_release_shas", &tables.release_shas},
                                                    {"tr_work_items", &tables.work_items},
                                                    {"tr_wi_links", &tables.wi_links},
                                                    {"tr_wi_index", &tables.wi_index},
                                                    {"tr_sources", &tables.sources},
                                                    {"tr_deploys", &tables.deploys},
                                                    {"tr_queue", &tables.queue},
                                                    {"tr_deploy_time", &tables.deploy_time},
                                                    {"tr_deploy_shas", &tables.deploy_shas},
                                                    {"tr_incident_blame", &tables.incident_blame},
                                                    {"tr_commit_ranges", &tables.commit_ranges},
                                                    {"tr_shipped", &tables.shipped},
                                                    {"tr_gaps", &tables.gaps}};
    constexpr std::size_t k_count = std::size(all);
    std::string_view names[k_count];
    MDB_dbi handles[k_count] = {};
    for (std::size_t i = 0; i < k_count; ++i) names[i] = all[i].first;
    // One transaction for all of them: on a new store, one fsync, not one per table.
    if (auto opened = store.open_tables(names, handles); !opened) {
        // A read-only store written by a shiplog without tracking (or
        // never served): there is simply nothing derived yet.
        if (opened.error().code == ErrorCode::not_found && store.read_only()) {
            tables.present = false;
            return tables;
        }
        return tl::unexpected(opened.error());
    }
    for (std::size_t i = 0; i < k_count; ++i) *all[i].second = handles[i];
    return tables;
}

namespace detail {

namespace {

template <class F>
std::optional<F> finish(Reader& r, F f) {
    if (!r.done()) return std::nullopt;
    return f;
}

}  // namespace

std::string encode(const PushFact& f) {
    Writer w;
    w.u64(f.seq).time(f.date).strs(f.commit_shas).boolean(f.comments_truncated);
    return w.take();
}
std::optional<PushFact> decode_push(std::string_view b) {
    Reader r(b);
    PushFact f;
    f.seq = r.u64();
    f.date = r.time();
    f.commit_shas = r.strs();
    f.comments_truncated = r.boolean();
    return finish(r, std::move(f));
}

std::string encode(const CommitFact& f) {
    Writer w;
    w.str(f.author_name).str(f.author_email).time(f.authored_at).str(f.summary);
    w.boolean(f.comment_truncated).ints(f.work_item_refs);
    return w.take();
}
std::optional<CommitFact> decode_commit(std::string_view b) {
    Reader r(b);
    CommitFact f;
    f.author_name = r.str();
    f.author_email = r.str();
    f.authored_at = r.time();
    f.summary = r.str();
    f.comment_truncated = r.boolean();
    f.work_item_refs = r.ints();
    return finish(r, std::move(f));
}

std::string encode(const BuildFact& f) {
    Writer w;
    w.u64(f.seq).str(f.definition).str(f.project).str(f.branch).str(f.sha).u8(f.result);
    w.time(f.finish_time);
    return w.take();
}
std::optional<BuildFact> decode_build(std::string_view b) {
    Reader r(b);
    BuildFact f;
    f.seq = r.u64();
    f.definition = r.str();
    f.project = r.str();
    f.branch = r.str();
    f.sha = r.str();
    f.result = r.u8();
    f.finish_time = r.time();
    return finish(r, std::move(f));
}

std::string encode(const StageFact& f) {
    Writer w;
    w.u64(f.seq).i64(f.attempt).str(f.pipeline).str(f.result).time(f.created_at);
    return w.take();
}
std::optional<StageFact> decode_stage(std::string_view b) {
    Reader r(b);
    StageFact f;
    f.seq = r.u64();
    f.attempt = r.i64();
    f.pipeline = r.str();
    f.result = r.str();
    f.created_at = r.time();
    return finish(r, std::move(f));
}

std::string encode(const ReleaseFact& f) {
    Writer w;
    w.u64(f.seq).str(f.definition).str(f.environment).str(f.status).str(f.project);
    w.i64(f.release_id).time(f.created_at);
    w.str(f.artifact.type).str(f.artifact.alias).str(f.artifact.project).str(f.artifact.version);
    w.str(f.artifact.branch);
    return w.take();
}
std::optional<ReleaseFact> decode_release(std::string_view b) {
    Reader r(b);
    ReleaseFact f;
    f.seq = r.u64();
    f.definition = r.str();
    f.environment = r.str();
    f.status = r.str();
    f.project = r.str();
    f.release_id = r.i64();
    f.created_at = r.time();
    f.artifact.type = r.str();
    f.artifact.alias = r.str();
    f.artifact.project = r.str();
    f.artifact.version = r.str();
    f.artifact.branch = r.str();
    return finish(r, std::move(f));
}

std::string encode(const WorkItemRev& f) {
    Writer w;
    w.u8(f.change).str(f.type).str(f.state).strs(f.tags).str(f.area_path).str(f.project);
    w.opt_time(f.created_at).opt_time(f.changed_at);
    return w.take();
}
std::optional<WorkItemRev> decode_work_item(std::string_view b) {
    Reader r(b);
    WorkItemRev f;
    f.change = r.u8();
    f.type = r.str();
    f.state = r.str();
    f.tags = r.strs();
    f.area_path = r.str();
    f.project = r.str();
    f.created_at = r.opt_time();
    f.changed_at = r.opt_time();
    return finish(r, std::move(f));
}

std::string encode(const WiLink& f) {
    Writer w;
    w.i64(f.added_rev).i64(f.removed_rev);
    return w.take();
}
std::optional<WiLink> decode_wi_link(std::string_view b) {
    Reader r(b);
    WiLink f;
    f.added_rev = r.i64();
    f.removed_rev = r.i64();
    return finish(r, f);
}

std::string encode(const DeploySource& f) {
    Writer w;
    w.u8(static_cast<std::uint8_t>(f.kind)).u64(f.seq).str(f.sha).time(f.deployed_at);
    w.u8(static_cast<std::uint8_t>(f.status)).i64(f.ref_id).str(f.project);
    return w.take();
}
std::optional<DeploySource> decode_source(std::string_view b) {
    Reader r(b);
    DeploySource f;
    f.kind = static_cast<SourceKind>(r.u8());
    f.seq = r.u64();
    f.sha = r.str();
    f.deployed_at = r.time();
    f.status = static_cast<DeployStatus>(r.u8());
    f.ref_id = r.i64();
    f.project = r.str();
    return finish(r, std::move(f));
}

Result<std::optional<std::string>> get(lmdb::txn& txn, MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key);
    MDB_val v{};
    const int rc = ::mdb_get(txn.handle(), dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>{};
    if (rc != MDB_SUCCESS) return tl::unexpected(storage::store_error(rc, "read derived data"));
    return std::optional<std::string>{std::string(to_view(v))};
}

Status put(lmdb::txn& txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    const int rc = ::mdb_put(txn.handle(), dbi, &k, &v, 0);
    if (rc != MDB_SUCCESS) return tl::unexpected(storage::store_error(rc, "write derived data"));
    return {};
}

Status del(lmdb::txn& txn, MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key);
    const int rc = ::mdb_del(txn.handle(), dbi, &k, nullptr);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return tl::unexpected(storage::store_error(rc, "delete derived data"));
    return {};
}

Status scan_prefix(lmdb::txn& txn, MDB_dbi dbi, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& visit) {
    return scan_prefix_from(txn, dbi, prefix, prefix, visit);
}

Status scan_prefix_from(lmdb::txn& txn, MDB_dbi dbi, std::string_view prefix,
                        std::string_view start,
                        const std::function<bool(std::string_view, std::string_view)>& visit) {
    MDB_cursor* cursor = nullptr;
    int rc = ::mdb_cursor_open(txn.handle(), dbi, &cursor);
    if (rc != MDB_SUCCESS) return tl::unexpected(storage::store_error(rc, "scan derived data"));
    MDB_val k = to_val(start);
    MDB_val v{};
    rc = ::mdb_cursor_get(cursor, &k, &v, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
    while (rc == MDB_SUCCESS) {
        const std::string_view key = to_view(k);
        if (key.substr(0, prefix.size()) != prefix) break;
        if (!visit(key, to_view(v))) break;
        rc = ::mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    ::mdb_cursor_close(cursor);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return tl::unexpected(storage::store_error(rc, "scan derived data"));
    return {};
}

std::string repo_key(std::string_view project, std::string_view repository) {
    return lower(project) + "/" + lower(repository);
}

std::string deploy_prefix(std::string_view deployment, std::string_view environment) {
    return KeyBuilder().str(deployment).str(environment).sep().bytes();
}

std::string deploy_key(std::string_view deployment, std::string_view environment,
                       std::uint64_t seq) {
    return KeyBuilder().str(deployment).str(environment).u64(seq).bytes();
}

std::string source_key(std::string_view deployment, std::string_view environment,
                       Timestamp deployed_at, std::uint64_t seq) {
    std::string key = deploy_prefix(deployment, environment);
    bytes::put_u64_be(key, static_cast<std::uint64_t>(deployed_at.time_since_epoch().count()) ^
                               (std::uint64_t{1} << 63));
    bytes::put_u64_be(key, seq);
    return key;
}

}  // namespace detail
}  // namespace shiplog::tracking
