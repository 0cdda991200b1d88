#include "storage/store.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "lmdb_util.hpp"

namespace shiplog::storage {

namespace fs = std::filesystem;

namespace {

// Storage's own tables plus room for every projection a later layer opens.
constexpr MDB_dbi k_max_tables = 64;
// LMDB's default; each open read transaction (any process) takes a slot.
constexpr unsigned int k_max_readers = 126;
// The journal holds raw webhook bodies: only the service user reads them.
constexpr mdb_mode_t k_file_mode = 0600;

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}

// Creates the store directory (0700: raw events are private), its parents
// with default permissions.
Status create_store_dir(const fs::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec)
            return fail(ErrorCode::io, "cannot create the folder " + quoted(path.parent_path()) +
                                           " for the store: " + ec.message());
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return fail(ErrorCode::io,
                    "cannot create the store folder " + quoted(path) + ": " + std::strerror(errno));
    return {};
}

Status check_store_path(const StoreOptions& options) {
    const fs::path& path = options.path;
    if (path.empty()) return fail(ErrorCode::invalid_argument, "the store path is empty");
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        return fail(ErrorCode::io,
                    "cannot inspect the store path " + quoted(path) + ": " + ec.message());
    if (fs::exists(status) && !fs::is_directory(status))
        return fail(ErrorCode::store, "the store path " + quoted(path) +
                                          " exists but is not a folder (it must be the LMDB "
                                          "environment folder holding data.mdb)");
    if (options.read_only) {
        if (!fs::exists(status) || !fs::exists(path / "data.mdb", ec))
            return fail(ErrorCode::not_found,
                        "no shiplog store at " + quoted(path) +
                            " (nothing has been stored yet, or storage.path points elsewhere)");
        return {};
    }
    if (!fs::exists(status)) return create_store_dir(path);
    return {};
}

}  // namespace

Error store_error(int rc, std::string_view context) {
    if (rc == MDB_MAP_FULL)
        return Error{ErrorCode::store_full,
                     "the store is full (" + std::string(context) +
                         ": MDB_MAP_FULL): raise storage.max_size_mb and restart shiplog"};
    // A full disk is not the map: once space is freed the next commit goes
    // through, so the refusal is temporary and needs no restart.
    if (rc == ENOSPC || rc == EDQUOT)
        return Error{ErrorCode::store_full, "the disk holding the store is full (" +
                                                std::string(context) + ": " + ::mdb_strerror(rc) +
                                                "): free space there; writes resume by themselves"};
    return Error{ErrorCode::store, std::string(context) + ": " + ::mdb_strerror(rc)};
}

Error store_error(const lmdb::error& e, std::string_view context) {
    return store_error(e.code(), context);
}

void commit(lmdb::txn& txn) {
    // Take the handle out of `txn` into a holder that is never destroyed:
    // lmdb::txn has no release(), and its destructor would abort.
    union Holder {
        explicit Holder(lmdb::txn&& t) : taken(std::move(t)) {}
        ~Holder() {}
        lmdb::txn taken;
    } holder(std::move(txn));
    const int rc = ::mdb_txn_commit(holder.taken.handle());
    if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_txn_commit", rc);
}

Store::Store(lmdb::env env, fs::path path, bool read_only)
    : m_env(std::move(env)), m_path(std::move(path)), m_read_only(read_only) {}

// Closing the env releases the map; callers must have ended their
// transactions and stopped the writer first (documented on JournalWriter).
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
    if (auto checked = check_store_path(options); !checked) return tl::unexpected(checked.error());
    const std::string context = "open the store at " + quoted(options.path);
    try {
        auto env = lmdb::env::create();
        env.set_max_dbs(k_max_tables);
        env.set_max_readers(k_max_readers);
        env.set_mapsize(options.map_size_bytes);
        // Deliberately absent: MDB_NOSYNC, MDB_NOMETASYNC, MDB_WRITEMAP,
        // MDB_MAPASYNC. Each would make a commit return before it is durable.
        // MDB_NOTLS lets a read transaction move between worker threads.
        unsigned int flags = MDB_NOTLS;
        // Read-only opens serve short queries (CLI) that touch few, scattered
        // pages: without MDB_NORDAHEAD the kernel maps ~64 KiB around each.
        if (options.read_only) flags |= MDB_RDONLY | MDB_NORDAHEAD;
        const int rc = ::mdb_env_open(env.handle(), options.path.c_str(), flags, k_file_mode);
        if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
            return fail(ErrorCode::store, "the store folder " + quoted(options.path) +
                                              " holds a data.mdb that is not an LMDB store of a "
                                              "version this shiplog reads (" +
                                              ::mdb_strerror(rc) + ")");
        if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, context));

        std::unique_ptr<Store> store(new Store(std::move(env), options.path, options.read_only));
        if (auto init = store->init_tables(); !init) return tl::unexpected(init.error());
        return store;
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, context));
    }
}

Status Store::init_tables() {
    const std::string where = quoted(m_path);
    auto txn = lmdb::txn::begin(m_env.handle(), nullptr, m_read_only ? MDB_RDONLY : 0);
    const unsigned int create = m_read_only ? 0 : MDB_CREATE;
    const std::pair<const char*, MDB_dbi*> tables[] = {
        {"meta", &m_meta}, {"journal", &m_journal}, {"event_ids", &m_event_ids}};
    for (const auto& [name, handle] : tables) {
        const int rc = ::mdb_dbi_open(txn.handle(), name, create, handle);
        if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
            return fail(ErrorCode::store, "the LMDB store at " + where +
                                              " is not a shiplog store (table '" + name +
                                              "' is missing or of another kind)");
        if (rc != MDB_SUCCESS)
            return tl::unexpected(store_error(rc, std::string("open table '") + name + "'"));
    }

    MDB_val key = detail::to_val(k_schema_version_key);
    MDB_val value{};
    const int rc = ::mdb_get(txn.handle(), m_meta, &key, &value);
    if (rc == MDB_NOTFOUND) {
        if (m_read_only)
            return fail(ErrorCode::store,
                        "the store at " + where + " has no schema version (not a shiplog store?)");
        MDB_stat stat{};
        lmdb::dbi_stat(txn.handle(), m_journal, &stat);
        if (stat.ms_entries != 0)
            return fail(ErrorCode::store, "the store at " + where +
                                              " has journal entries but no schema version: it is "
                                              "damaged; restore a backup");
        // A new store: record the schema it is written in.
        char version[4];
        bytes::encode_u32_be(version, k_schema_version);
        MDB_val stored{sizeof version, version};
        lmdb::dbi_put(txn.handle(), m_meta, &key, &stored, 0);
    } else if (rc != MDB_SUCCESS) {
        return tl::unexpected(store_error(rc, "read meta/schema_version"));
    } else {
        if (value.mv_size != 4)
            return fail(ErrorCode::store,
                        "the store at " + where + " has a corrupt meta/schema_version (" +
                            std::to_string(value.mv_size) + " bytes, expected 4)");
        const std::uint32_t found = bytes::decode_u32_be(detail::to_view(value));
        if (found > k_schema_version)
            return fail(ErrorCode::store, "store schema " + std::to_string(found) +
                                              " is newer than this shiplog (" +
                                              std::to_string(k_schema_version) +
                                              "): upgrade shiplog (store at " + where + ")");
        if (found < k_schema_version)
            return fail(ErrorCode::store, "store schema " + std::to_string(found) +
                                              " is older than this shiplog (" +
                                              std::to_string(k_schema_version) +
                                              "): run `shiplog reindex` (store at " + where + ")");
    }
    // Committing (even the read-only transaction) keeps the table handles
    // open for the life of the environment; aborting would close them.
    commit(txn);
    return {};
}

Result<MDB_dbi> Store::open_table(std::string_view name, unsigned int flags) {
    const std::string name_z(name);
    try {
        auto txn = lmdb::txn::begin(m_env.handle(), nullptr, m_read_only ? MDB_RDONLY : 0);
        MDB_dbi dbi = 0;
        const unsigned int open_flags =
            m_read_only ? (flags & ~unsigned{MDB_CREATE}) : (flags | MDB_CREATE);
        const int rc = ::mdb_dbi_open(txn.handle(), name_z.c_str(), open_flags, &dbi);
        if (rc == MDB_NOTFOUND)
            return fail(ErrorCode::not_found,
                        "table '" + name_z + "' does not exist in the store at " + quoted(m_path));
        if (rc != MDB_SUCCESS)
            return tl::unexpected(store_error(rc, "open table '" + name_z + "'"));
        commit(txn);
        return dbi;
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "open table '" + name_z + "'"));
    }
}

Status Store::open_tables(std::span<const std::string_view> names, std::span<MDB_dbi> handles) {
    if (names.size() != handles.size())
        return fail(ErrorCode::invalid_argument, "open_tables: one handle per table name");
    std::string name_z;
    try {
        auto txn = lmdb::txn::begin(m_env.handle(), nullptr, m_read_only ? MDB_RDONLY : 0);
        const unsigned int open_flags = m_read_only ? 0u : unsigned{MDB_CREATE};
        for (std::size_t i = 0; i < names.size(); ++i) {
            name_z.assign(names[i]);
            const int rc = ::mdb_dbi_open(txn.handle(), name_z.c_str(), open_flags, &handles[i]);
            if (rc == MDB_NOTFOUND)
                return fail(
                    ErrorCode::not_found,
                    "table '" + name_z + "' does not exist in the store at " + quoted(m_path));
            if (rc != MDB_SUCCESS)
                return tl::unexpected(store_error(rc, "open table '" + name_z + "'"));
        }
        commit(txn);
        return {};
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "open table '" + name_z + "'"));
    }
}

StoreUsage Store::usage() const {
    MDB_envinfo info{};
    MDB_stat stat{};
    if (::mdb_env_info(m_env.handle(), &info) != MDB_SUCCESS ||
        ::mdb_env_stat(m_env.handle(), &stat) != MDB_SUCCESS)
        return {};
    StoreUsage usage;
    usage.map_size_bytes = info.me_mapsize;
    usage.used_bytes = (info.me_last_pgno + 1) * std::size_t{stat.ms_psize};
    return usage;
}

Error Store::commit_error(int rc, std::string_view context) const {
    if (rc == EIO) {
        // A batch is at most a few request bodies; less free space than that
        // is what makes a page write come up short.
        constexpr unsigned long long k_nearly_full_bytes = 4ULL << 20;
        struct statvfs fs {};
        if (::statvfs(m_path.c_str(), &fs) == 0 &&
            static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize < k_nearly_full_bytes)
            rc = ENOSPC;
    }
    return store_error(rc, context);
}

Txn detail::begin_read(Store& store) {
    return lmdb::txn::begin(store.env(), nullptr, MDB_RDONLY);
}

Result<std::optional<std::string>> get_meta(Txn& txn, const Store& store, std::string_view key) {
    MDB_val k = detail::to_val(key);
    MDB_val value{};
    const int rc = ::mdb_get(txn.handle(), store.meta_table(), &k, &value);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>();
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "read meta/" + std::string(key)));
    return std::optional<std::string>(std::in_place, static_cast<const char*>(value.mv_data),
                                      value.mv_size);
}

Status put_meta(Store& store, std::string_view key, std::string_view value) {
    const std::string context = "write meta/" + std::string(key);
    try {
        auto txn = lmdb::txn::begin(store.env());
        MDB_val k = detail::to_val(key);
        MDB_val v = detail::to_val(value);
        const int rc = ::mdb_put(txn.handle(), store.meta_table(), &k, &v, 0);
        if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, context));
        commit(txn);
        return {};
    } catch (const lmdb::error& e) {
        return tl::unexpected(store.commit_error(e.code(), context));
    }
}

Result<std::optional<std::string_view>> get_value(Txn& txn, MDB_dbi table, std::string_view key,
                                                  std::string_view context) {
    MDB_val k = detail::to_val(key);
    MDB_val v{};
    const int rc = ::mdb_get(txn.handle(), table, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, context));
    return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

Status put_value(Txn& txn, MDB_dbi table, std::string_view key, std::string_view value,
                 std::string_view context) {
    MDB_val k = detail::to_val(key);
    MDB_val v = detail::to_val(value);
    const int rc = ::mdb_put(txn.handle(), table, &k, &v, 0);
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, context));
    return {};
}

Status copy_compacted(Store& store, int fd, std::string_view context) {
    const int rc = ::mdb_env_copyfd2(store.env().handle(), fd, MDB_CP_COMPACT);
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, context));
    return {};
}

}  // namespace shiplog::storage
