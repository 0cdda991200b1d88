#pragma once
// The LMDB environment behind shiplog. Store owns the MDB_env and the named
// databases ("tables"); functions that read or write take the transaction as
// their first argument so the caller owns the atomic unit.
//
// Durability: the environment is opened without MDB_NOSYNC, MDB_NOMETASYNC or
// MDB_WRITEMAP, so every write-transaction commit is on disk (fsync'd) when
// it returns; docs/operations.md ("an acknowledged event is never lost") rests on this.
// The one exception is a running JournalWriter: it sets MDB_NOMETASYNC while
// it owns the writes and acknowledges nothing before its own fdatasync
// (journal_writer.hpp), and clears it again when it stops.
//
// Threading: a Store may be shared by all threads. Read transactions may be
// opened from any thread (the env uses MDB_NOTLS, so a read transaction is not
// tied to the thread that began it, but it must not be used by two threads at
// once); write transactions only by the JournalWriter thread (or by a
// single-threaded CLI command such as `ingest` or `reindex`).
//
// LMDB allows one open of a given environment per process: do not open the
// same path twice at the same time in one process (closing one would drop the
// other's locks). Other processes may open it read-only at any time.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <lmdb++.h>

#include "common/error.hpp"

namespace shiplog::storage {

// A transaction on the store. Readers of storage's and tracking's tables take
// one as their first argument; callers outside those layers get one from
// read() below rather than from LMDB directly.
using Txn = lmdb::txn;

struct StoreOptions {
    std::filesystem::path path;  // environment directory; created (0700) if missing
    // LMDB map size: the most the store can ever hold (storage.max_size_mb).
    // A larger existing store keeps its size; a smaller value never truncates.
    std::size_t map_size_bytes = std::size_t{4096} << 20;
    bool read_only = false;  // read-only commands (deploys, metrics) while serve runs
};

struct StoreUsage {
    std::size_t map_size_bytes = 0;  // configured map size
    std::size_t used_bytes = 0;      // pages in use ((last page number + 1) * page size)
    double fill_ratio() const {
        return map_size_bytes == 0
                   ? 0.0
                   : static_cast<double>(used_bytes) / static_cast<double>(map_size_bytes);
    }
};

class Store {
  public:
    // The schema this build reads and writes; stored as meta/schema_version
    // (4 bytes, big-endian).
    static constexpr std::uint32_t k_schema_version = 1;

    // Key of the schema version in meta_table().
    static constexpr std::string_view k_schema_version_key = "schema_version";

    // Opens (creating when missing and not read_only) the environment and its
    // tables, and checks meta/schema_version: a newer store fails with
    // "store schema N is newer than this shiplog (M): upgrade shiplog", an
    // older one with "store schema N is older than this shiplog (M): run
    // `shiplog reindex`". A read-only open of a missing store fails with
    // ErrorCode::not_found naming the path; a path that is not a directory or
    // holds something other than an LMDB store fails with ErrorCode::store.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    lmdb::env& env() { return m_env; }
    const std::filesystem::path& path() const { return m_path; }
    bool read_only() const { return m_read_only; }

    // Opens (creating if needed, in its own write transaction) a named table.
    // On a read-only store a missing table is ErrorCode::not_found.
    // Call at start-up, before concurrent use (mdb_dbi_open is not
    // thread-safe, and it waits for the write lock); the handle stays valid.
    Result<MDB_dbi> open_table(std::string_view name, unsigned int flags = 0);

    // The same for several tables in one transaction: creating them on a new
    // store costs one fsync instead of one per table. All or nothing: on
    // error no handle is kept. `handles` receives one handle per name.
    Status open_tables(std::span<const std::string_view> names, std::span<MDB_dbi> handles);

    // Tables owned by storage itself.
    MDB_dbi meta_table() const { return m_meta; }
    MDB_dbi journal_table() const { return m_journal; }
    MDB_dbi event_ids_table() const { return m_event_ids; }

    // How full the map is, as of the last committed transaction. Thread-safe.
    // All zero if LMDB cannot say (it cannot fail on an open environment).
    StoreUsage usage() const;

    // The error for a failed write-transaction commit. LMDB reports a write
    // that the disk could hold only partly as EIO ("short write, filesystem
    // full?"), so an EIO while the store's file system has (almost) no space
    // left is reported as the full disk it is: temporary, no restart needed.
    Error commit_error(int rc, std::string_view context) const;

  private:
    Store(lmdb::env env, std::filesystem::path path, bool read_only);

    // Opens the storage-owned tables and checks (or, on creation, writes)
    // meta/schema_version, all in one transaction.
    Status init_tables();

    lmdb::env m_env;
    std::filesystem::path m_path;
    bool m_read_only;
    MDB_dbi m_meta = 0;
    MDB_dbi m_journal = 0;
    MDB_dbi m_event_ids = 0;
};

// The one mapping from LMDB failures to shiplog errors, for storage and for
// the layers that write their own tables (observers): MDB_MAP_FULL becomes
// ErrorCode::store_full with a message telling the operator to raise
// storage.max_size_mb; anything else ErrorCode::store. `context` says what was
// being done ("append to the journal").
Error store_error(int rc, std::string_view context);
Error store_error(const lmdb::error& e, std::string_view context);

// Commits `txn` and leaves it empty whether or not the commit succeeded.
// mdb_txn_commit frees the transaction even when it fails (ENOSPC on a full
// disk, EIO), but lmdb::txn::commit() keeps its handle when it throws, so the
// destructor would abort a freed transaction and corrupt the environment for
// the next writer. Throws lmdb::error like lmdb::txn::commit().
void commit(lmdb::txn& txn);

// meta_table() holds small named values (schema version, the projections'
// fingerprint). get_meta: the value, or nullopt when the key is absent.
// put_meta: writes (replacing) the value in its own write transaction and
// commits it; only where writes are allowed (the writer thread not running,
// or a single-threaded command).
Result<std::optional<std::string>> get_meta(Txn& txn, const Store& store, std::string_view key);
Status put_meta(Store& store, std::string_view key, std::string_view value);

// One value of a table the caller opened (Store::open_tables), in `txn`:
// get_value returns a view into the map, valid until `txn` ends, or nullopt
// when the key is absent; put_value writes (replacing) it. An LMDB failure
// becomes ErrorCode::store led by `context`.
Result<std::optional<std::string_view>> get_value(Txn& txn, MDB_dbi table, std::string_view key,
                                                  std::string_view context);
Status put_value(Txn& txn, MDB_dbi table, std::string_view key, std::string_view value,
                 std::string_view context);

// Writes a compacted copy of the whole store to `fd` (a consistent snapshot,
// taken under a read transaction: serve may keep writing meanwhile).
Status copy_compacted(Store& store, int fd, std::string_view context);

namespace detail {
template <class T>
struct AsResult {
    using type = Result<T>;
};
template <class T>
struct AsResult<tl::expected<T, Error>> {
    using type = Result<T>;
};
Txn begin_read(Store& store);  // throws lmdb::error
}  // namespace detail

// Runs fn(txn) in a read transaction and returns what it returns, as a
// Result: an LMDB failure beginning the transaction or thrown while reading
// becomes ErrorCode::store, its message led by `context`. fn may return a
// Result itself (passed through), a plain value or nothing (Status).
template <class F>
auto read(Store& store, std::string_view context, F&& fn) ->
    typename detail::AsResult<std::invoke_result_t<F&, Txn&>>::type {
    using Value = std::invoke_result_t<F&, Txn&>;
    try {
        auto txn = detail::begin_read(store);
        if constexpr (std::is_void_v<Value>) {
            fn(txn);
            return {};
        } else {
            return fn(txn);
        }
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, context));
    }
}

}  // namespace shiplog::storage
