#include "tracking/tables.hpp"

#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "records/facts.hpp"

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
                                                    {"tr_wi_created", &tables.wi_created},
                                                    {"tr_sources", &tables.sources},
                                                    {"tr_deploys", &tables.deploys},
                                                    {"tr_queue", &tables.queue},
                                                    {"tr_deploy_time", &tables.deploy_time},
                                                    {"tr_deploy_shas", &tables.deploy_shas},
                                                    {"tr_incident_blame", &tables.incident_blame},
                                                    {"tr_commit_ranges", &tables.commit_ranges},
                                                    {"tr_shipped", &tables.shipped},
                                                    {"tr_gaps", &tables.gaps},
                                                    {"tr_deploy_days", &tables.deploy_days},
                                                    {"tr_impacts", &tables.impacts},
                                                    {"tr_pull_requests", &tables.pull_requests},
                                                    {"tr_pr_merges", &tables.pr_merges}};
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

std::string shipped_key(std::string_view prefix, const CommitFact& commit) {
    std::string key(prefix);
    bytes::put_u64_be(key, commit.first_seq);
    bytes::put_u64_be(key, commit.first_index);
    return key;
}

Result<std::optional<std::string>> shipped_key_of(lmdb::txn& txn, const Tables& t,
                                                  std::string_view repo, std::string_view prefix,
                                                  std::string_view sha) {
    auto stored = get(txn, t.commits, KeyBuilder().str(repo).str(sha).bytes());
    if (!stored) return tl::unexpected(stored.error());
    if (!*stored) return std::nullopt;
    auto fact = decode<CommitFact>(**stored);
    if (!fact) return std::nullopt;
    return shipped_key(prefix, *fact);
}

std::string deploy_key(std::string_view deployment, std::string_view environment,
                       std::uint64_t seq) {
    return KeyBuilder().str(deployment).str(environment).u64(seq).bytes();
}

std::string work_item_created_prefix(std::string_view project) {
    return KeyBuilder().str(lower(project)).sep().bytes();
}

std::string work_item_created_key(std::string_view project, Timestamp created, std::uint64_t id) {
    std::string key = work_item_created_prefix(project);
    bytes::put_u64_be(key, static_cast<std::uint64_t>(created.time_since_epoch().count()) ^
                               (std::uint64_t{1} << 63));
    bytes::put_u64_be(key, id);
    return key;
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
