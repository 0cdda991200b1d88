#pragma once
// The LMDB environment behind shiplog. Store owns the MDB_env and the named
// databases ("tables"); functions that read or write take the transaction as
// their first argument so the caller owns the atomic unit.
//
// Threading: a Store may be shared by all threads. Read transactions may be
// opened from any thread; write transactions only by the JournalWriter thread
// (or by a single-threaded CLI command such as `ingest` or `reindex`).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include <lmdb++.h>

#include "common/error.hpp"

namespace shiplog::storage {

struct StoreOptions {
    std::filesystem::path path;   // environment directory; created (0700) if missing
    std::size_t map_size_bytes = std::size_t{4096} << 20;
    bool read_only = false;       // read-only commands (deploys, metrics) while serve runs
};

struct StoreUsage {
    std::size_t map_size_bytes = 0;  // configured map size
    std::size_t used_bytes = 0;      // pages in use (last page number * page size)
    double fill_ratio() const {
        return map_size_bytes == 0 ? 0.0 : static_cast<double>(used_bytes) / static_cast<double>(map_size_bytes);
    }
};

class Store {
public:
    // The schema this build reads and writes; stored as meta/schema_version.
    static constexpr std::uint32_t k_schema_version = 1;

    // Opens (creating when missing and not read_only) the environment and its
    // tables, and checks meta/schema_version: a newer store fails with
    // "store schema N is newer than this shiplog (M): upgrade shiplog".
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    lmdb::env& env() { return m_env; }
    const std::filesystem::path& path() const { return m_path; }
    bool read_only() const { return m_read_only; }

    // Opens (creating if needed, in its own write transaction) a named table.
    // Call at start-up, before concurrent use; the handle stays valid.
    Result<MDB_dbi> open_table(std::string_view name, unsigned int flags = 0);

    // Tables owned by storage itself.
    MDB_dbi meta_table() const { return m_meta; }
    MDB_dbi journal_table() const { return m_journal; }
    MDB_dbi event_ids_table() const { return m_event_ids; }

    StoreUsage usage();

private:
    Store(lmdb::env env, std::filesystem::path path, bool read_only);

    lmdb::env m_env;
    std::filesystem::path m_path;
    bool m_read_only;
    MDB_dbi m_meta = 0;
    MDB_dbi m_journal = 0;
    MDB_dbi m_event_ids = 0;
};

}  // namespace shiplog::storage
