// tr_deploy_days rows as `metrics` reads them: a malformed row is a store
// error naming reindex, never a read past the value or an allocation sized
// by a corrupt count.
#include "tracking/dora.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

class DayRowsTest : public TrackingTest {
  protected:
    // One deploy a day for four days (push-triggered: each push is a deploy).
    void SetUp() override {
        TrackingTest::SetUp();
        std::string previous = k_zero;
        for (int day = 0; day < 4; ++day) {
            const std::string s = sha(static_cast<unsigned>(day + 1));
            push(day + 1, at(day * 1440), previous, s, {{s, "change", "dev@example.com", at(0)}});
            previous = s;
        }
    }

    // The day rows, key and value, oldest first.
    std::vector<std::pair<std::string, std::string>> day_rows() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto cursor = lmdb::cursor::open(txn, m_projector->tables().deploy_days);
        std::vector<std::pair<std::string, std::string>> out;
        MDB_val k{}, v{};
        while (::mdb_cursor_get(cursor.handle(), &k, &v, MDB_NEXT) == MDB_SUCCESS)
            out.emplace_back(std::string(static_cast<const char*>(k.mv_data), k.mv_size),
                             std::string(static_cast<const char*>(v.mv_data), v.mv_size));
        return out;
    }

    void put_row(const std::string& key, const std::string& value) {
        auto txn = lmdb::txn::begin(m_store->env().handle());
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{value.size(), const_cast<char*>(value.data())};
        ASSERT_EQ(::mdb_put(txn.handle(), m_projector->tables().deploy_days, &k, &v, 0),
                  MDB_SUCCESS);
        txn.commit();
    }

    // `metrics` (figures from the index rows alone) over the whole days of
    // the history.
    Result<DoraFigures> metrics() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        DoraQuery q;
        q.explain = false;
        q.since = at(-1440);
        q.until = at(6 * 1440);
        return query_dora(txn, m_projector->tables(), *m_config, q);
    }
};

TEST_F(DayRowsTest, AMalformedDayRowIsAStoreErrorNamingReindex) {
    auto good = metrics();
    ASSERT_OK(good);
    EXPECT_EQ(good->deploys, 4);
    EXPECT_EQ(good->batch_counts[0], 4);
    const auto rows = day_rows();
    ASSERT_EQ(rows.size(), 4u);
    const std::string key = rows[1].first;
    const std::string value = rows[1].second;
    // Header (one byte per varint at these sizes): succeeded, changes,
    // failed, leads, restores, rework, direct commits, pull requests, the
    // four batch classes, codings; then the width.
    ASSERT_EQ(value.size(), 14u + 2 * 4);  // one lead time and one batch size
    ASSERT_EQ(value[0], 1);
    ASSERT_EQ(value[3], 1);
    ASSERT_EQ(value[13], 4);

    auto with = [&](std::size_t at_byte, char byte) {
        std::string v = value;
        v[at_byte] = byte;
        return v;
    };
    const std::vector<std::pair<std::string, std::string>> malformed = {
        {"truncated", value.substr(0, value.size() - 1)},
        {"a byte too many", value + '\0'},
        {"width 5", with(13, 5)},
        {"two lead times", with(3, 2)},
        {"batch classes that do not add up", with(8, 2)},
        {"more rework than deploys", with(5, 2)},
        {"more coding times than pull requests", with(12, 1)},
        {"a count beyond the value",
         value.substr(0, 3) + "\xff\xff\xff\xff\xff\xff\xff\x7f" + value.substr(4)},
        {"only a header", value.substr(0, 13)},
        {"empty", ""},
    };
    for (const auto& [what, bytes] : malformed) {
        SCOPED_TRACE(what);
        put_row(key, bytes);
        auto figures = metrics();
        ASSERT_FALSE(figures);
        EXPECT_EQ(figures.error().code, ErrorCode::store);
        EXPECT_NE(figures.error().message.find("reindex"), std::string::npos)
            << figures.error().message;
    }
    put_row(key, value);
    auto again = metrics();
    ASSERT_OK(again);
    EXPECT_EQ(dora_json(*again), dora_json(*good));
}

}  // namespace
}  // namespace shiplog::tracking::test
