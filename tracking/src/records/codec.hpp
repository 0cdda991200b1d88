#pragma once
// Private to tracking: the byte formats of tracking's keys and records,
// written with common/bytes.hpp (lengths and counts as varints, times and
// signed values as fixed64). Records are versionless on purpose: they are
// derived data, and a format change bumps tracking::k_layout_version
// (tracking/tables.hpp), which rebuilds them from the journal.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <lmdb.h>

#include "common/ascii.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "storage/mdb_val.hpp"
#include "tracking/deploy.hpp"
#include "tracking/incident.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking::detail {

// LMDB's default maximum key size; facts whose key would be longer are not
// indexed (their commit chains then go to the work queue).
inline constexpr std::size_t k_max_key_bytes = 511;

using storage::to_val;
using storage::to_view;

// Composite keys: parts joined by '\0', integers as 8 bytes big-endian.
class KeyBuilder {
  public:
    KeyBuilder& str(std::string_view part) {
        separate();
        m_key.append(part);
        return *this;
    }
    KeyBuilder& u64(std::uint64_t value) {
        separate();
        bytes::put_u64_be(m_key, value);
        return *this;
    }
    // A trailing separator, for prefix scans of "the parts so far".
    KeyBuilder& sep() {
        m_key.push_back('\0');
        m_need_sep = false;
        return *this;
    }
    const std::string& bytes() const { return m_key; }

  private:
    void separate() {
        if (m_need_sep) m_key.push_back('\0');
        m_need_sep = true;
    }
    std::string m_key;
    bool m_need_sep = false;
};

// The fields of the public types stored as records, in stored order
// (declared ahead of Writer and Reader, which find other records' by
// argument-dependent lookup in tracking::detail).
inline auto record_fields(CommitView& c) {
    return std::tie(c.sha, c.author_name, c.author_email, c.authored_at, c.summary, c.lead_from,
                    c.via_pull_request);
}
inline auto record_fields(PullRequestView& p) {
    return std::tie(p.id, p.title, p.source_ref, p.merge_sha, p.created_at, p.first_review_at,
                    p.merged_at, p.first_commit_at);
}
inline auto record_fields(BatchSize& b) {
    return std::tie(b.commits, b.pull_requests, b.work_items);
}
inline auto record_fields(DeployView& d) {
    return std::tie(d.deployment, d.environment, d.seq, d.sha, d.deployed_at, d.trigger, d.status,
                    d.failure, d.commits_complete, d.commits, d.work_items, d.incidents, d.pending,
                    d.pull_requests, d.batch, d.rework);
}
inline auto record_fields(IncidentView& i) {
    return std::tie(i.id, i.source, i.title, i.url, i.project, i.area_path, i.state, i.created_at,
                    i.restored_at);
}
// The key lives in the LMDB key; `failed` in a record of its own.
inline auto record_fields(QueueItem& item) {
    return std::tie(item.kind, item.payload, item.attempts, item.created_at);
}

template <class T>
inline constexpr bool k_is_vector = false;
template <class T>
inline constexpr bool k_is_vector<std::vector<T>> = true;
template <class T>
inline constexpr bool k_is_map = false;
template <class K, class V>
inline constexpr bool k_is_map<std::map<K, V>> = true;

// Records described once: record_fields(R&) returns std::tie of the
// record's fields in stored order, and Writer and Reader both walk that
// list, so encoding and decoding cannot disagree. A field's type picks its
// encoding: enums and std::uint8_t as one byte, bool as one byte, other
// unsigned integers as varints, signed ones and times as fixed64, an
// optional time as a flag and the time, strings length-prefixed, vectors
// and maps as a varint count and their elements (a map's as key, value),
// nested records as their fields.
class Writer {
  public:
    Writer& u8(std::uint8_t v) {
        m_out.push_back(static_cast<char>(v));
        return *this;
    }
    Writer& u64(std::uint64_t v) {
        bytes::put_varint(m_out, v);
        return *this;
    }
    Writer& i64(std::int64_t v) {
        bytes::put_fixed64(m_out, static_cast<std::uint64_t>(v));
        return *this;
    }
    Writer& str(std::string_view s) {
        bytes::put_length_prefixed(m_out, s);
        return *this;
    }

    template <class T>
    Writer& put(const T& v) {
        if constexpr (std::is_enum_v<T>) {
            u8(static_cast<std::uint8_t>(v));
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::uint8_t>) {
            u8(static_cast<std::uint8_t>(v));
        } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
            u64(v);
        } else if constexpr (std::is_integral_v<T>) {
            i64(v);
        } else if constexpr (std::is_same_v<T, Timestamp>) {
            i64(v.time_since_epoch().count());
        } else if constexpr (std::is_same_v<T, std::optional<Timestamp>>) {
            put(v.has_value());
            if (v) put(*v);
        } else if constexpr (std::is_same_v<T, std::string>) {
            str(v);
        } else if constexpr (k_is_vector<T>) {
            u64(v.size());
            for (const auto& e : v) put(e);
        } else if constexpr (k_is_map<T>) {
            u64(v.size());
            for (const auto& e : v) put(e.first).put(e.second);
        } else {
            // record_fields only reads through these references.
            fields(record_fields(const_cast<T&>(v)));
        }
        return *this;
    }
    template <class... T>
    Writer& fields(const std::tuple<T&...>& all) {
        std::apply([&](const auto&... v) { (put(v), ...); }, all);
        return *this;
    }
    std::string take() { return std::move(m_out); }

  private:
    std::string m_out;
};

// Bounds-checked; any failed read latches ok() to false and yields zeros.
class Reader {
  public:
    explicit Reader(std::string_view in) : m_in(in) {}
    std::uint8_t u8() { return m_in.u8(); }
    std::uint64_t u64() { return m_in.varint(); }
    std::int64_t i64() { return static_cast<std::int64_t>(m_in.fixed64()); }
    std::string str() { return std::string(m_in.length_prefixed()); }

    // One field, read as Writer::put wrote it.
    template <class T>
    void get(T& v) {
        if constexpr (std::is_enum_v<T>) {
            v = static_cast<T>(u8());
        } else if constexpr (std::is_same_v<T, bool>) {
            v = u8() != 0;
        } else if constexpr (std::is_same_v<T, std::uint8_t>) {
            v = u8();
        } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
            v = static_cast<T>(u64());
        } else if constexpr (std::is_integral_v<T>) {
            v = static_cast<T>(i64());
        } else if constexpr (std::is_same_v<T, Timestamp>) {
            v = Timestamp{std::chrono::nanoseconds{i64()}};
        } else if constexpr (std::is_same_v<T, std::optional<Timestamp>>) {
            bool present = false;
            get(present);
            v.reset();
            if (present) get(v.emplace());
        } else if constexpr (std::is_same_v<T, std::string>) {
            v = str();
        } else if constexpr (k_is_vector<T>) {
            const std::uint64_t n = u64();
            v.clear();
            for (std::uint64_t i = 0; i < n && ok(); ++i) get(v.emplace_back());
        } else if constexpr (k_is_map<T>) {
            const std::uint64_t n = u64();
            v.clear();
            for (std::uint64_t i = 0; i < n && ok(); ++i) {
                typename T::key_type key;
                get(key);
                get(v[std::move(key)]);
            }
        } else {
            fields(record_fields(v));
        }
    }
    template <class... T>
    Reader& fields(const std::tuple<T&...>& all) {
        std::apply([&](auto&... v) { (get(v), ...); }, all);
        return *this;
    }
    bool ok() const { return m_in.ok(); }
    // True when every read fit and the record is fully consumed.
    bool done() const { return m_in.done(); }

  private:
    bytes::Reader m_in;
};

template <class R>
std::string encode(const R& record) {
    Writer w;
    w.put(record);
    return w.take();
}

// nullopt when the bytes do not hold exactly such a record.
template <class R>
std::optional<R> decode(std::string_view bytes) {
    Reader r(bytes);
    R record;
    r.get(record);
    if (!r.done()) return std::nullopt;
    return record;
}

Result<DeployView> decode_deploy(std::string_view bytes);

std::string encode_queue_item(const QueueItem& item);
Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes);

using ascii::iequals;
using ascii::lower;

// A commit's fields inside an object the caller opened: sha, author_email,
// authored_at (null when unknown), summary.
void write_commit_fields(json::Writer& w, const CommitView& c);
// "batch": {commits, pull_requests, work_items, size}.
void write_batch(json::Writer& w, const BatchSize& batch);
// "rework": the reason, null for none.
void write_rework(json::Writer& w, Rework rework);

// RFC 3339 with all nine fraction digits, so parse(format(t)) == t (records).
std::string format_rfc3339_nanos(Timestamp t);

}  // namespace shiplog::tracking::detail
