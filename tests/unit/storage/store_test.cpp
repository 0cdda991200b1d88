// Store: creating, reopening, schema checks, read-only opens (in this process
// and from another process while a writer holds the store), tables, usage.
#include "storage/store.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "storage/journal.hpp"
#include "support/expect_ok.hpp"
#include "support/journal_entry.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::storage {
namespace {

namespace fs = std::filesystem;
using shiplog::testing::TempDir;

constexpr std::size_t k_map_size = std::size_t{64} << 20;

StoreOptions options_for(const fs::path& path, bool read_only = false) {
    StoreOptions options;
    options.path = path;
    options.map_size_bytes = k_map_size;
    options.read_only = read_only;
    return options;
}

JournalEntry make_entry(std::string id, std::string raw = "{}") {
    return testing::journal_entry(std::move(id), "git.push", std::move(raw));
}

// Appends `count` entries "id-1".."id-count" in one committed transaction.
void append_entries(Store& store, int first, int count, std::size_t raw_size = 16) {
    auto txn = lmdb::txn::begin(store.env().handle());
    for (int i = first; i < first + count; ++i) {
        auto entry = make_entry("id-" + std::to_string(i), std::string(raw_size, 'x'));
        ASSERT_OK(append_entry(txn, store, entry));
    }
    txn.commit();
}

// Overwrites meta/schema_version the way an older or newer shiplog would have
// written it (4 bytes, big-endian).
void write_schema_version(const fs::path& path, std::uint32_t version) {
    auto store = Store::open(options_for(path));
    ASSERT_OK(store);
    auto txn = lmdb::txn::begin((*store)->env().handle());
    const unsigned char bytes[4] = {
        static_cast<unsigned char>(version >> 24), static_cast<unsigned char>(version >> 16),
        static_cast<unsigned char>(version >> 8), static_cast<unsigned char>(version)};
    MDB_val key{Store::k_schema_version_key.size(),
                const_cast<char*>(Store::k_schema_version_key.data())};
    MDB_val value{sizeof bytes, const_cast<unsigned char*>(bytes)};
    ASSERT_EQ(::mdb_put(txn.handle(), (*store)->meta_table(), &key, &value, 0), MDB_SUCCESS);
    txn.commit();
}

std::uint64_t size_of(Store& store) {
    auto txn = lmdb::txn::begin(store.env().handle(), nullptr, MDB_RDONLY);
    auto size = journal_size(txn, store);
    EXPECT_TRUE(size.has_value());
    return size.value_or(0);
}

TEST(Store, CreatesMissingFolderPrivateAndReopens) {
    TempDir dir;
    const auto path = dir / "state/store";
    {
        auto store = Store::open(options_for(path));
        ASSERT_OK(store);
        EXPECT_EQ((*store)->path(), path);
        EXPECT_FALSE((*store)->read_only());
        append_entries(**store, 1, 3);
    }
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_TRUE(fs::exists(path / "data.mdb"));

    auto reopened = Store::open(options_for(path));
    ASSERT_OK(reopened);
    EXPECT_EQ(size_of(**reopened), 3U);

    // The schema version was written at creation.
    auto txn = lmdb::txn::begin((*reopened)->env().handle(), nullptr, MDB_RDONLY);
    MDB_val key{Store::k_schema_version_key.size(),
                const_cast<char*>(Store::k_schema_version_key.data())};
    MDB_val value{};
    ASSERT_EQ(::mdb_get(txn.handle(), (*reopened)->meta_table(), &key, &value), MDB_SUCCESS);
    ASSERT_EQ(value.mv_size, 4U);
    EXPECT_EQ(static_cast<const unsigned char*>(value.mv_data)[3], Store::k_schema_version);
}

TEST(Store, SchemaNewerThanThisBuildIsRefused) {
    TempDir dir;
    const auto path = dir / "store";
    write_schema_version(path, Store::k_schema_version + 1);
    const std::string expected = "store schema " + std::to_string(Store::k_schema_version + 1) +
                                 " is newer than this shiplog (" +
                                 std::to_string(Store::k_schema_version) + "): upgrade shiplog";
    for (bool read_only : {false, true}) {
        auto store = Store::open(options_for(path, read_only));
        ASSERT_FALSE(store.has_value());
        EXPECT_EQ(store.error().code, ErrorCode::store);
        EXPECT_NE(store.error().message.find(expected), std::string::npos) << store.error().message;
    }
}

TEST(Store, SchemaOlderThanThisBuildAsksForReindex) {
    TempDir dir;
    const auto path = dir / "store";
    write_schema_version(path, Store::k_schema_version - 1);
    auto store = Store::open(options_for(path));
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::store);
    const std::string expected = "store schema " + std::to_string(Store::k_schema_version - 1) +
                                 " is older than this shiplog (" +
                                 std::to_string(Store::k_schema_version) +
                                 "): run `shiplog reindex`";
    EXPECT_NE(store.error().message.find(expected), std::string::npos) << store.error().message;
}

TEST(Store, ReadOnlyOpenOfMissingStoreIsNotFoundAndCreatesNothing) {
    TempDir dir;
    const auto path = dir / "nothing-here";
    auto store = Store::open(options_for(path, true));
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::not_found);
    EXPECT_NE(store.error().message.find(path.string()), std::string::npos)
        << store.error().message;
    EXPECT_FALSE(fs::exists(path));

    // An empty folder is no store either.
    fs::create_directory(path);
    auto empty = Store::open(options_for(path, true));
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().code, ErrorCode::not_found);
}

TEST(Store, PathThatIsAFileIsAClearError) {
    TempDir dir;
    const auto path = dir.write("store", "not a folder");
    for (bool read_only : {false, true}) {
        auto store = Store::open(options_for(path, read_only));
        ASSERT_FALSE(store.has_value());
        EXPECT_EQ(store.error().code, ErrorCode::store);
        EXPECT_NE(store.error().message.find("not a folder"), std::string::npos)
            << store.error().message;
    }
}

TEST(Store, FolderHoldingANonLmdbFileIsAClearError) {
    TempDir dir;
    dir.write("store/data.mdb", std::string(64 * 1024, 'g'));
    for (bool read_only : {false, true}) {
        auto store = Store::open(options_for(dir / "store", read_only));
        ASSERT_FALSE(store.has_value());
        EXPECT_EQ(store.error().code, ErrorCode::store);
        EXPECT_NE(store.error().message.find("not an LMDB store"), std::string::npos)
            << store.error().message;
    }
}

TEST(Store, ReadOnlyOpensAfterTheWriterClosedAndCannotWrite) {
    TempDir dir;
    const auto path = dir / "store";
    {
        auto store = Store::open(options_for(path));
        ASSERT_OK(store);
        append_entries(**store, 1, 5);
    }
    // One environment per path per process at a time, so one after the other.
    for (int round = 0; round < 2; ++round) {
        auto store = Store::open(options_for(path, true));
        ASSERT_OK(store);
        EXPECT_TRUE((*store)->read_only());
        EXPECT_EQ(size_of(**store), 5U);
        EXPECT_THROW(lmdb::txn::begin((*store)->env().handle()), lmdb::error);
        auto missing = (*store)->open_table("projection");
        ASSERT_FALSE(missing.has_value());
        EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    }
}

// Runs in a forked child: opens the store read-only while the parent holds it
// open writable, and checks that it sees the parent's commits. Returns an
// exit code (0 = all good) because gtest assertions do not cross fork().
int read_only_child(const fs::path& path, int from_parent, int to_parent) {
    char byte = 0;
    if (::read(from_parent, &byte, 1) != 1) return 10;
    auto store = Store::open(options_for(path, true));
    if (!store) return 11;
    {
        auto txn = lmdb::txn::begin((*store)->env().handle(), nullptr, MDB_RDONLY);
        auto size = journal_size(txn, **store);
        if (!size || *size != 3) return 12;
        auto entry = read_entry(txn, **store, 2);
        if (!entry || !*entry || (*entry)->event_id != "id-2") return 13;
    }
    try {
        auto txn = lmdb::txn::begin((*store)->env().handle());
        return 14;  // a read-only environment must refuse a write transaction
    } catch (const lmdb::error&) {
    }
    byte = 'r';
    if (::write(to_parent, &byte, 1) != 1) return 15;
    if (::read(from_parent, &byte, 1) != 1) return 16;
    // A new read transaction sees what the parent committed meanwhile.
    auto txn = lmdb::txn::begin((*store)->env().handle(), nullptr, MDB_RDONLY);
    auto size = journal_size(txn, **store);
    if (!size || *size != 4) return 17;
    return 0;
}

TEST(Store, AnotherProcessReadsWhileThisOneHoldsTheStoreWritable) {
    TempDir dir;
    const auto path = dir / "store";
    int to_child[2];
    int to_parent[2];
    ASSERT_EQ(::pipe(to_child), 0);
    ASSERT_EQ(::pipe(to_parent), 0);
    // Fork before this process opens the environment: the child must not
    // inherit an open LMDB env.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(to_child[1]);
        ::close(to_parent[0]);
        ::_exit(read_only_child(path, to_child[0], to_parent[1]));
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);

    {
        auto store = Store::open(options_for(path));
        ASSERT_OK(store);
        append_entries(**store, 1, 3);
        char byte = 'g';
        ASSERT_EQ(::write(to_child[1], &byte, 1), 1);
        ASSERT_EQ(::read(to_parent[0], &byte, 1), 1);
        EXPECT_EQ(byte, 'r');
        append_entries(**store, 4, 1);  // while the child still has the store open
        ASSERT_EQ(::write(to_child[1], &byte, 1), 1);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0) << "see read_only_child for the failing step";
    }
    ::close(to_child[1]);
    ::close(to_parent[0]);
}

TEST(Store, OpenTableCreatesOnceAndSurvivesReopen) {
    TempDir dir;
    const auto path = dir / "store";
    {
        auto store = Store::open(options_for(path));
        ASSERT_OK(store);
        auto table = (*store)->open_table("deploys");
        ASSERT_OK(table);
        auto again = (*store)->open_table("deploys");
        ASSERT_OK(again);
        EXPECT_EQ(*table, *again);
        EXPECT_NE(*table, (*store)->journal_table());
        auto txn = lmdb::txn::begin((*store)->env().handle());
        MDB_val key{1, const_cast<char*>("k")};
        MDB_val value{1, const_cast<char*>("v")};
        ASSERT_EQ(::mdb_put(txn.handle(), *table, &key, &value, 0), MDB_SUCCESS);
        txn.commit();
    }
    auto store = Store::open(options_for(path, true));
    ASSERT_OK(store);
    auto table = (*store)->open_table("deploys");
    ASSERT_OK(table);
    auto txn = lmdb::txn::begin((*store)->env().handle(), nullptr, MDB_RDONLY);
    MDB_val key{1, const_cast<char*>("k")};
    MDB_val value{};
    EXPECT_EQ(::mdb_get(txn.handle(), *table, &key, &value), MDB_SUCCESS);
}

TEST(Store, OpenTablesCreatesAllInOneTransactionAndReopensReadOnly) {
    TempDir dir;
    const auto path = dir / "store";
    const std::string_view names[] = {"tr_a", "tr_b", "tr_c"};
    MDB_dbi created[3] = {};
    {
        auto store = Store::open(options_for(path));
        ASSERT_OK(store);
        ASSERT_OK((*store)->open_tables(names, created));
        EXPECT_NE(created[0], created[1]);
        EXPECT_NE(created[1], created[2]);
        // The same handles as opening them one by one.
        auto b = (*store)->open_table("tr_b");
        ASSERT_OK(b);
        EXPECT_EQ(*b, created[1]);
        MDB_dbi wrong_count[2] = {};
        EXPECT_FALSE((*store)->open_tables(names, wrong_count).has_value());
    }
    auto store = Store::open(options_for(path, true));
    ASSERT_OK(store);
    MDB_dbi reopened[3] = {};
    ASSERT_OK((*store)->open_tables(names, reopened));
    // A read-only store with one table missing: not_found, naming it.
    const std::string_view with_missing[] = {"tr_a", "tr_missing"};
    MDB_dbi handles[2] = {};
    auto missing = (*store)->open_tables(with_missing, handles);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find("tr_missing"), std::string::npos);
}

TEST(Store, UsageGrowsWithData) {
    TempDir dir;
    auto store = Store::open(options_for(dir / "store"));
    ASSERT_OK(store);
    const auto before = (*store)->usage();
    EXPECT_EQ(before.map_size_bytes, k_map_size);
    EXPECT_GT(before.used_bytes, 0U);
    append_entries(**store, 1, 64, 32 * 1024);
    const auto after = (*store)->usage();
    EXPECT_EQ(after.map_size_bytes, k_map_size);
    EXPECT_GE(after.used_bytes, before.used_bytes + 64 * 32 * 1024);
    EXPECT_GT(after.fill_ratio(), before.fill_ratio());
    EXPECT_LT(after.fill_ratio(), 1.0);
}

TEST(StoreError, MapFullNamesTheSettingOthersAreStoreErrors) {
    const auto full = store_error(MDB_MAP_FULL, "append to the journal");
    EXPECT_EQ(full.code, ErrorCode::store_full);
    EXPECT_NE(full.message.find("storage.max_size_mb"), std::string::npos) << full.message;
    const auto other = store_error(EIO, "commit");
    EXPECT_EQ(other.code, ErrorCode::store);
    EXPECT_NE(other.message.find("commit"), std::string::npos);
}

}  // namespace
}  // namespace shiplog::storage
