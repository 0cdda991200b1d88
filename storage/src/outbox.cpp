#include "storage/outbox.hpp"

#include <lmdb++.h>

#include "lmdb_util.hpp"

namespace shiplog::storage {

namespace {

constexpr unsigned char k_record_version = 1;

// Outbox records outlive an upgrade (they are not derived data), so their
// format stays as first written: 4-byte big-endian string lengths and
// 8-byte big-endian times after the version byte.
void put_str(std::string& out, std::string_view s) {
    bytes::put_u32_be(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

void put_i64(std::string& out, std::int64_t v) {
    bytes::put_u64_be(out, static_cast<std::uint64_t>(v));
}

std::string get_str(bytes::Reader& in) {
    const std::uint32_t n = in.u32_be();
    return std::string(in.bytes(n));
}

std::int64_t get_i64(bytes::Reader& in) {
    return static_cast<std::int64_t>(in.u64_be());
}

Timestamp from_ns(std::int64_t ns) {
    return Timestamp(std::chrono::nanoseconds(ns));
}

std::string id_key(const OutboxMessage& m) {
    std::string key = m.event_id;
    key.push_back('\0');
    key += m.target;
    return key;
}

}  // namespace

std::string encode_outbox_message(const OutboxMessage& m) {
    std::string out(1, static_cast<char>(k_record_version));
    put_str(out, m.event_id);
    put_str(out, m.target);
    put_str(out, m.event);
    put_i64(out, m.occurred_at.time_since_epoch().count());
    put_i64(out, m.queued_at.time_since_epoch().count());
    put_str(out, m.deployment);
    put_str(out, m.environment);
    put_str(out, m.subject);
    put_str(out, m.summary);
    put_str(out, m.link);
    return out;
}

std::optional<OutboxMessage> decode_outbox_message(std::string_view bytes) {
    if (bytes.empty() || static_cast<unsigned char>(bytes[0]) != k_record_version)
        return std::nullopt;
    bytes::Reader in(bytes.substr(1));
    OutboxMessage m;
    m.event_id = get_str(in);
    m.target = get_str(in);
    m.event = get_str(in);
    m.occurred_at = from_ns(get_i64(in));
    m.queued_at = from_ns(get_i64(in));
    m.deployment = get_str(in);
    m.environment = get_str(in);
    m.subject = get_str(in);
    m.summary = get_str(in);
    m.link = get_str(in);
    if (!in.done()) return std::nullopt;
    return m;
}

Result<Outbox> Outbox::open(Store& store) {
    Outbox outbox;
    const std::string_view names[] = {"outbox", "outbox_ids"};
    MDB_dbi handles[2] = {};
    if (auto opened = store.open_tables(names, handles); !opened) {
        if (opened.error().code == ErrorCode::not_found && store.read_only()) {
            outbox.m_present = false;
            return outbox;
        }
        return tl::unexpected(opened.error());
    }
    outbox.m_rows = handles[0];
    outbox.m_ids = handles[1];
    // Opened apart: a store from before the tally still has the messages.
    const std::string_view stats_name[] = {"outbox_stats"};
    MDB_dbi stats[1] = {};
    if (auto opened = store.open_tables(stats_name, stats); !opened) {
        if (opened.error().code != ErrorCode::not_found || !store.read_only())
            return tl::unexpected(opened.error());
        outbox.m_stats_present = false;
    }
    outbox.m_stats = stats[0];
    return outbox;
}

Result<bool> Outbox::enqueue(Txn& txn, const OutboxMessage& message) const {
    if (!m_present) return fail(ErrorCode::store, "outbox: the store is read-only");
    try {
        const std::string key = id_key(message);
        MDB_val k = detail::to_val(key);
        MDB_val empty{0, nullptr};
        const int rc = ::mdb_put(txn.handle(), m_ids, &k, &empty, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST) return false;
        if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "queue a notification"));

        std::uint64_t seq = 1;
        auto cursor = lmdb::cursor::open(txn, m_rows);
        MDB_val last_key{}, last_value{};
        if (cursor.get(&last_key, &last_value, MDB_LAST) && last_key.mv_size == 8)
            seq = bytes::decode_u64_be(detail::to_view(last_key)) + 1;
        cursor.close();
        const std::string record = encode_outbox_message(message);
        detail::SeqKey seq_key(seq);
        MDB_val sk = seq_key.val();
        MDB_val value = detail::to_val(record);
        const int put = ::mdb_put(txn.handle(), m_rows, &sk, &value, 0);
        if (put != MDB_SUCCESS) return tl::unexpected(store_error(put, "queue a notification"));
        return true;
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "queue a notification"));
    }
}

Result<std::vector<OutboxRow>> Outbox::pending(Txn& txn, std::size_t limit,
                                               std::uint64_t after_seq) const {
    std::vector<OutboxRow> out;
    if (!m_present) return out;
    try {
        auto cursor = lmdb::cursor::open(txn, m_rows);
        detail::SeqKey start(after_seq + 1);
        MDB_val key = start.val();
        MDB_val value{};
        bool found = cursor.get(&key, &value, MDB_SET_RANGE);
        while (found && out.size() < limit) {
            if (key.mv_size == 8) {
                auto message = decode_outbox_message(detail::to_view(value));
                const auto seq = bytes::decode_u64_be(detail::to_view(key));
                // A record this build cannot read is left for the build that wrote it.
                if (message) out.push_back(OutboxRow{seq, std::move(*message)});
            }
            found = cursor.get(&key, &value, MDB_NEXT);
        }
        return out;
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "read the notification outbox"));
    }
}

Result<std::size_t> Outbox::size(Txn& txn) const {
    if (!m_present) return std::size_t{0};
    MDB_stat stat{};
    const int rc = ::mdb_stat(txn.handle(), m_rows, &stat);
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "count the notification outbox"));
    return static_cast<std::size_t>(stat.ms_entries);
}

Status Outbox::remove(Txn& txn, std::uint64_t seq) const {
    if (!m_present) return fail(ErrorCode::store, "outbox: the store is read-only");
    detail::SeqKey key(seq);
    MDB_val k = key.val();
    const int rc = ::mdb_del(txn.handle(), m_rows, &k, nullptr);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return tl::unexpected(store_error(rc, "remove a sent notification"));
    return {};
}

Status Outbox::count(Txn& txn, std::string_view target, OutboxOutcome outcome) const {
    if (!m_present || !m_stats_present)
        return fail(ErrorCode::store, "outbox: the store is read-only");
    MDB_val key = detail::to_val(target);
    MDB_val value{};
    std::uint64_t counts[3] = {0, 0, 0};
    const int rc = ::mdb_get(txn.handle(), m_stats, &key, &value);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return tl::unexpected(store_error(rc, "count a notification"));
    if (rc == MDB_SUCCESS && value.mv_size == 24)
        for (int i = 0; i < 3; ++i)
            counts[i] = bytes::decode_u64_be(detail::to_view(value).substr(8 * i, 8));
    ++counts[static_cast<int>(outcome)];
    std::string encoded;
    for (int i = 0; i < 3; ++i) bytes::put_u64_be(encoded, counts[i]);
    MDB_val out = detail::to_val(encoded);
    const int put = ::mdb_put(txn.handle(), m_stats, &key, &out, 0);
    if (put != MDB_SUCCESS) return tl::unexpected(store_error(put, "count a notification"));
    return {};
}

Result<std::map<std::string, OutboxTally>> Outbox::tally(Txn& txn) const {
    std::map<std::string, OutboxTally> out;
    if (!m_present || !m_stats_present) return out;
    try {
        auto cursor = lmdb::cursor::open(txn, m_stats);
        MDB_val key{}, value{};
        bool found = cursor.get(&key, &value, MDB_FIRST);
        while (found) {
            if (value.mv_size == 24) {
                const std::string_view v = detail::to_view(value);
                out[std::string(detail::to_view(key))] = OutboxTally{
                    bytes::decode_u64_be(v.substr(0, 8)), bytes::decode_u64_be(v.substr(8, 8)),
                    bytes::decode_u64_be(v.substr(16, 8))};
            }
            found = cursor.get(&key, &value, MDB_NEXT);
        }
        return out;
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "read the notification tally"));
    }
}

Result<std::map<std::string, std::size_t>> Outbox::waiting_per_target(Txn& txn,
                                                                      std::size_t limit) const {
    std::map<std::string, std::size_t> out;
    std::uint64_t after = 0;
    std::size_t read = 0;
    while (read < limit) {
        auto rows = pending(txn, std::min<std::size_t>(256, limit - read), after);
        if (!rows) return tl::unexpected(rows.error());
        if (rows->empty()) break;
        for (const auto& row : *rows) ++out[row.message.target];
        read += rows->size();
        after = rows->back().seq;
    }
    return out;
}

}  // namespace shiplog::storage
