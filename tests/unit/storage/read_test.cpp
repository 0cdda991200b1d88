// storage::read (a read transaction whose LMDB failures come back as a
// Result) and the meta table's get_meta/put_meta.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "storage/store.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::storage {
namespace {

using shiplog::testing::TempDir;

std::unique_ptr<Store> open_store(const TempDir& dir, bool read_only = false) {
    StoreOptions options;
    options.path = dir.path() / "store";
    options.map_size_bytes = std::size_t{64} << 20;
    options.read_only = read_only;
    auto store = Store::open(options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
}

TEST(StorageRead, MetaValuesRoundTripAndSurviveReopening) {
    TempDir dir;
    {
        auto store = open_store(dir);
        ASSERT_TRUE(store);
        auto absent = read(*store, "read meta", [&](Txn& txn) {
            return get_meta(txn, *store, "projection_fingerprint");
        });
        ASSERT_OK(absent);
        EXPECT_FALSE(absent->has_value());
        ASSERT_OK(put_meta(*store, "projection_fingerprint", "v1-abc"));
        ASSERT_OK(put_meta(*store, "projection_fingerprint", "v1-def"));  // replaces
    }
    auto store = open_store(dir, true);
    ASSERT_TRUE(store);
    auto value = read(*store, "read meta",
                      [&](Txn& txn) { return get_meta(txn, *store, "projection_fingerprint"); });
    ASSERT_OK(value);
    ASSERT_TRUE(value->has_value());
    EXPECT_EQ(**value, "v1-def");
}

TEST(StorageRead, PassesValuesResultsAndNothingThrough) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    auto plain = read(*store, "plain", [](Txn&) { return 42; });
    ASSERT_OK(plain);
    EXPECT_EQ(*plain, 42);
    auto failed = read(*store, "failed", [](Txn&) -> Result<int> {
        return fail(ErrorCode::not_found, "no such thing");
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::not_found);
    EXPECT_EQ(failed.error().message, "no such thing");
    bool ran = false;
    Status nothing = read(*store, "nothing", [&](Txn&) { ran = true; });
    ASSERT_OK(nothing);
    EXPECT_TRUE(ran);
}

TEST(StorageRead, AnLmdbFailureWhileReadingIsAStoreErrorNamingTheContext) {
    TempDir dir;
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    auto thrown = read(*store, "read the thing",
                       [](Txn&) -> int { lmdb::error::raise("mdb_get", MDB_CORRUPTED); });
    ASSERT_FALSE(thrown);
    EXPECT_EQ(thrown.error().code, ErrorCode::store);
    EXPECT_EQ(thrown.error().message.rfind("read the thing: ", 0), 0u) << thrown.error().message;
}

}  // namespace
}  // namespace shiplog::storage
