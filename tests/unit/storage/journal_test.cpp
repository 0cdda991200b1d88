// The journal: record encoding (round trips, corrupt and truncated records)
// and the table functions (append, read, walk, count, dedup index).
#include "storage/journal.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/expect_ok.hpp"
#include "support/journal_entry.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::storage {
namespace {

using namespace std::chrono_literals;
using shiplog::testing::TempDir;

JournalEntry full_entry() {
    JournalEntry entry;
    entry.received_at = Timestamp{1'700'000'000'123'456'789ns};
    entry.source = EventSource::register_deploy;
    entry.event_id = "6a3bb8c4-0b2e-4d41-9e5b-0f7c1f0f1c2d";
    entry.event_type = "git.push";
    entry.publisher_id = "tfs";
    entry.resource_version = "1.0";
    entry.created_date = Timestamp{1'699'999'999'000'000'100ns};
    entry.raw = std::string("{\"a\":\0\x01\xff}", 10);
    return entry;
}

JournalEntry make_entry(std::string id, std::string raw = "{}") {
    return testing::journal_entry(std::move(id), "build.complete", std::move(raw));
}

class JournalTable : public ::testing::Test {
  protected:
    void SetUp() override {
        StoreOptions options;
        options.path = m_dir / "store";
        options.map_size_bytes = std::size_t{64} << 20;
        auto store = Store::open(options);
        ASSERT_OK(store);
        m_store = std::move(*store);
    }

    lmdb::txn write_txn() { return lmdb::txn::begin(m_store->env().handle()); }
    lmdb::txn read_txn() { return lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY); }

    TempDir m_dir;
    std::unique_ptr<Store> m_store;
};

TEST(JournalRecord, RoundTripsEveryField) {
    auto entry = full_entry();
    const auto record = encode_entry(entry);
    EXPECT_EQ(record.size(), encoded_size(entry));
    EXPECT_EQ(static_cast<std::uint8_t>(record[0]), k_journal_record_version);
    auto decoded = decode_entry(record, 42);
    ASSERT_OK(decoded);
    entry.seq = 42;
    EXPECT_EQ(*decoded, entry);
    EXPECT_EQ(decoded->raw.size(), 10U);
}

// Journal records are the source of truth and must stay readable by every
// later build: this record is spelled out byte by byte from the format in
// storage/journal.hpp (version 1), not produced by the encoder under test.
TEST(JournalRecord, ReadsAndWritesTheVersion1Layout) {
    const std::string record(
        "\x01"                              // format version
        "\x02"                              // source: ingest
        "\x01"                              // flags: created_date present
        "\x15\xcd\x5b\x07\x00\x00\x00\x00"  // received_at: 123456789 ns, LE
        "\x00\x01\x00\x00\x00\x00\x00\x00"  // created_date: 256 ns, LE
        "\x02id"                            // event_id
        "\x08git.push"                      // event_type
        "\x03tfs"                           // publisher_id
        "\x03"
        "1.0"      // resource_version
        "\x02{}",  // raw
        11 + 8 + 3 + 9 + 4 + 4 + 3);
    auto decoded = decode_entry(record, 42);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->seq, 42U);
    EXPECT_EQ(decoded->source, EventSource::ingest);
    EXPECT_EQ(decoded->received_at, Timestamp{123'456'789ns});
    ASSERT_TRUE(decoded->created_date);
    EXPECT_EQ(*decoded->created_date, Timestamp{256ns});
    EXPECT_EQ(decoded->event_id, "id");
    EXPECT_EQ(decoded->event_type, "git.push");
    EXPECT_EQ(decoded->publisher_id, "tfs");
    EXPECT_EQ(decoded->resource_version, "1.0");
    EXPECT_EQ(decoded->raw, "{}");
    EXPECT_EQ(encode_entry(*decoded), record);
}

TEST(JournalRecord, RoundTripsEmptyFieldsNoCreatedDateAndTimesBefore1970) {
    JournalEntry entry;
    entry.source = EventSource::backfill;
    entry.received_at = Timestamp{-5ns};
    auto decoded = decode_entry(encode_entry(entry), 1);
    ASSERT_OK(decoded);
    entry.seq = 1;
    EXPECT_EQ(*decoded, entry);
    EXPECT_FALSE(decoded->created_date.has_value());
}

TEST(JournalRecord, RoundTripsAMegabyteOfBinaryRaw) {
    auto entry = full_entry();
    entry.raw.resize(std::size_t{1} << 20);
    std::mt19937 random(7);
    for (auto& c : entry.raw) c = static_cast<char>(random() & 0xff);
    entry.raw[100] = '\0';
    const auto record = encode_entry(entry);
    EXPECT_LT(record.size(), entry.raw.size() + 128);  // compact: a few bytes of framing
    auto decoded = decode_entry(record, 9);
    ASSERT_OK(decoded);
    EXPECT_EQ(decoded->raw, entry.raw);
}

TEST(JournalRecord, EveryTruncationFailsCleanly) {
    const auto record = encode_entry(full_entry());
    for (std::size_t size = 0; size < record.size(); ++size) {
        auto decoded = decode_entry(std::string_view(record).substr(0, size), 5);
        ASSERT_FALSE(decoded.has_value()) << "prefix of " << size << " bytes decoded";
        EXPECT_EQ(decoded.error().code, ErrorCode::store);
        EXPECT_NE(decoded.error().message.find("journal record 5"), std::string::npos)
            << decoded.error().message;
    }
    auto big = full_entry();
    big.raw.assign(std::size_t{1} << 20, 'r');
    const auto big_record = encode_entry(big);
    for (std::size_t cut : {std::size_t{1}, std::size_t{4096}, big_record.size() / 2}) {
        EXPECT_FALSE(
            decode_entry(std::string_view(big_record).substr(0, big_record.size() - cut), 1));
    }
}

TEST(JournalRecord, RejectsMalformedRecords) {
    const auto good = encode_entry(full_entry());
    auto with = [&](std::size_t at, char byte) {
        auto copy = good;
        copy[at] = byte;
        return copy;
    };
    auto newer = decode_entry(with(0, static_cast<char>(k_journal_record_version + 1)), 3);
    ASSERT_FALSE(newer.has_value());
    EXPECT_NE(newer.error().message.find("upgrade shiplog"), std::string::npos);
    EXPECT_FALSE(decode_entry(with(0, 0), 3));       // version 0
    EXPECT_FALSE(decode_entry(with(1, 0), 3));       // source 0
    EXPECT_FALSE(decode_entry(with(1, 9), 3));       // unknown source
    EXPECT_FALSE(decode_entry(with(2, '\x02'), 3));  // unknown flag
    EXPECT_FALSE(decode_entry(good + "x", 3));       // trailing bytes
    // A length prefix claiming more than is there, and an overlong varint.
    std::string header = good.substr(0, 3 + 8 + 8);
    EXPECT_FALSE(decode_entry(header + "\xff\xff\xff\xff\x0f" + "abc", 3));
    EXPECT_FALSE(decode_entry(header + "\x80\x80\x80\x80\x80\x01", 3));
    EXPECT_FALSE(decode_entry(header + "\xff\xff\xff\xff\x7f", 3));  // >= 2^32
}

TEST(JournalRecord, RandomCorruptionNeverCrashes) {
    const auto good = encode_entry(full_entry());
    std::mt19937 random(1234);
    int decoded_ok = 0;
    for (int round = 0; round < 20000; ++round) {
        auto copy = good;
        const int flips = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < flips; ++i)
            copy[random() % copy.size()] = static_cast<char>(random() & 0xff);
        if (random() % 4 == 0) copy.resize(random() % (copy.size() + 1));
        auto decoded = decode_entry(copy, 1);
        if (decoded) {
            ++decoded_ok;
            EXPECT_EQ(encode_entry(*decoded), copy);  // what decodes re-encodes identically
        } else {
            EXPECT_EQ(decoded.error().code, ErrorCode::store);
        }
    }
    EXPECT_GT(decoded_ok, 0);  // flips inside strings still decode
}

TEST(EventSourceNames, AreStable) {
    EXPECT_STREQ(to_string(EventSource::webhook), "webhook");
    EXPECT_STREQ(to_string(EventSource::ingest), "ingest");
    EXPECT_STREQ(to_string(EventSource::register_deploy), "register_deploy");
    EXPECT_STREQ(to_string(EventSource::backfill), "backfill");
    EXPECT_STREQ(to_string(static_cast<EventSource>(0)), "unknown");
}

TEST_F(JournalTable, AppendsReadsWalksAndCounts) {
    {
        auto txn = write_txn();
        auto empty = last_seq(txn, *m_store);
        ASSERT_OK(empty);
        EXPECT_EQ(*empty, 0U);
        for (int i = 1; i <= 5; ++i) {
            auto entry = make_entry("id-" + std::to_string(i), std::string(i, '\0'));
            ASSERT_OK(append_entry(txn, *m_store, entry));
            EXPECT_EQ(entry.seq, static_cast<std::uint64_t>(i));
        }
        txn.commit();
    }
    auto txn = read_txn();
    auto size = journal_size(txn, *m_store);
    ASSERT_OK(size);
    EXPECT_EQ(*size, 5U);
    auto last = last_seq(txn, *m_store);
    ASSERT_OK(last);
    EXPECT_EQ(*last, 5U);

    auto third = read_entry(txn, *m_store, 3);
    ASSERT_OK(third);
    ASSERT_TRUE(third->has_value());
    auto expected = make_entry("id-3", std::string(3, '\0'));
    expected.seq = 3;
    EXPECT_EQ(**third, expected);
    auto missing = read_entry(txn, *m_store, 99);
    ASSERT_OK(missing);
    EXPECT_FALSE(missing->has_value());

    auto found = find_event_id(txn, *m_store, "id-4");
    ASSERT_OK(found);
    EXPECT_EQ(*found, std::optional<std::uint64_t>{4});
    auto not_found = find_event_id(txn, *m_store, "id-9");
    ASSERT_OK(not_found);
    EXPECT_FALSE(not_found->has_value());

    std::vector<std::uint64_t> seen;
    ASSERT_OK(for_each_entry(txn, *m_store, 2, [&](const JournalEntry& entry) {
        seen.push_back(entry.seq);
        EXPECT_EQ(entry.event_id, "id-" + std::to_string(entry.seq));
        return true;
    }));
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{2, 3, 4, 5}));

    seen.clear();
    ASSERT_OK(for_each_entry(txn, *m_store, 0, [&](const JournalEntry& entry) {
        seen.push_back(entry.seq);
        return entry.seq < 2;
    }));
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));

    seen.clear();
    ASSERT_OK(for_each_entry(txn, *m_store, 6, [&](const JournalEntry& entry) {
        seen.push_back(entry.seq);
        return true;
    }));
    EXPECT_TRUE(seen.empty());
}

TEST_F(JournalTable, SeqOrderHoldsPastOneByteKeys) {
    auto txn = write_txn();
    for (int i = 1; i <= 300; ++i) {
        auto entry = make_entry("id-" + std::to_string(i));
        ASSERT_OK(append_entry(txn, *m_store, entry));
    }
    std::uint64_t expected = 1;
    ASSERT_OK(for_each_entry(txn, *m_store, 1, [&](const JournalEntry& entry) {
        EXPECT_EQ(entry.seq, expected++);
        return true;
    }));
    EXPECT_EQ(expected, 301U);
}

TEST_F(JournalTable, AppendingAKnownIdIsAConflictAndChangesNothing) {
    auto txn = write_txn();
    auto first = make_entry("same");
    ASSERT_OK(append_entry(txn, *m_store, first));
    auto again = make_entry("same", "other body");
    auto status = append_entry(txn, *m_store, again);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::conflict);
    auto size = journal_size(txn, *m_store);
    ASSERT_OK(size);
    EXPECT_EQ(*size, 1U);
}

TEST_F(JournalTable, EmptyOrOverlongEventIdsAreInvalidArguments) {
    auto txn = write_txn();
    for (const std::string& id : {std::string(), std::string(k_max_event_id_bytes + 1, 'i')}) {
        auto entry = make_entry(id);
        auto status = append_entry(txn, *m_store, entry);
        ASSERT_FALSE(status.has_value());
        EXPECT_EQ(status.error().code, ErrorCode::invalid_argument);
        auto found = find_event_id(txn, *m_store, id);
        ASSERT_FALSE(found.has_value());
        EXPECT_EQ(found.error().code, ErrorCode::invalid_argument);
    }
    auto longest = make_entry(std::string(k_max_event_id_bytes, 'i'));
    EXPECT_OK(append_entry(txn, *m_store, longest));
    auto bad_source = make_entry("x");
    bad_source.source = static_cast<EventSource>(77);
    auto status = append_entry(txn, *m_store, bad_source);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::invalid_argument);
    auto size = journal_size(txn, *m_store);
    ASSERT_OK(size);
    EXPECT_EQ(*size, 1U);
}

TEST_F(JournalTable, LargeBinaryEntrySurvivesReopen) {
    auto entry = full_entry();
    entry.raw.assign(std::size_t{1} << 20, '\0');
    entry.raw[12345] = 'x';
    {
        auto txn = write_txn();
        ASSERT_OK(append_entry(txn, *m_store, entry));
        txn.commit();
    }
    m_store.reset();
    StoreOptions options;
    options.path = m_dir / "store";
    options.map_size_bytes = std::size_t{64} << 20;
    options.read_only = true;
    auto store = Store::open(options);
    ASSERT_OK(store);
    auto txn = lmdb::txn::begin((*store)->env().handle(), nullptr, MDB_RDONLY);
    auto read = read_entry(txn, **store, entry.seq);
    ASSERT_OK(read);
    ASSERT_TRUE(read->has_value());
    EXPECT_EQ(**read, entry);
}

TEST_F(JournalTable, CorruptStoredRecordIsAnErrorNotACrash) {
    {
        auto txn = write_txn();
        auto entry = make_entry("ok");
        ASSERT_OK(append_entry(txn, *m_store, entry));
        const unsigned char key_bytes[8] = {0, 0, 0, 0, 0, 0, 0, 2};
        MDB_val key{8, const_cast<unsigned char*>(key_bytes)};
        MDB_val value{3, const_cast<char*>("\x01\x01\x00")};
        ASSERT_EQ(::mdb_put(txn.handle(), m_store->journal_table(), &key, &value, 0), MDB_SUCCESS);
        txn.commit();
    }
    auto txn = read_txn();
    auto read = read_entry(txn, *m_store, 2);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::store);
    int visited = 0;
    auto walk = for_each_entry(txn, *m_store, 1, [&](const JournalEntry&) {
        ++visited;
        return true;
    });
    ASSERT_FALSE(walk.has_value());
    EXPECT_EQ(visited, 1);
}

}  // namespace
}  // namespace shiplog::storage
