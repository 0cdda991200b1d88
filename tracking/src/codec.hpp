#pragma once
// Private to tracking: the byte formats of tracking's keys and records.
// Records are versionless on purpose: they are derived data, and a format
// change is handled by bumping Store::k_schema_version, which makes the
// operator run `shiplog reindex`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "tracking/deploy.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking::detail {

// LMDB's default maximum key size; facts whose key would be longer are not
// indexed (their commit chains then go to the work queue).
inline constexpr std::size_t k_max_key_bytes = 511;

inline MDB_val to_val(std::string_view bytes) {
    return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view to_view(const MDB_val& val) {
    return {static_cast<const char*>(val.mv_data), val.mv_size};
}

void append_u64_be(std::string& out, std::uint64_t value);
std::uint64_t read_u64_be(std::string_view bytes);  // the first 8 bytes

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
        append_u64_be(m_key, value);
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

class Writer {
  public:
    Writer& u8(std::uint8_t v) {
        m_out.push_back(static_cast<char>(v));
        return *this;
    }
    Writer& u64(std::uint64_t v);
    Writer& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
    Writer& boolean(bool v) { return u8(v ? 1 : 0); }
    Writer& str(std::string_view s);
    Writer& time(Timestamp t) { return i64(t.time_since_epoch().count()); }
    Writer& opt_time(const std::optional<Timestamp>& t) {
        boolean(t.has_value());
        if (t) time(*t);
        return *this;
    }
    Writer& strs(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v) str(s);
        return *this;
    }
    Writer& ints(const std::vector<std::int64_t>& v) {
        u64(v.size());
        for (auto i : v) i64(i);
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
    std::uint8_t u8();
    std::uint64_t u64();
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    bool boolean() { return u8() != 0; }
    std::string str();
    Timestamp time() { return Timestamp{std::chrono::nanoseconds{i64()}}; }
    std::optional<Timestamp> opt_time() {
        if (!boolean()) return std::nullopt;
        return time();
    }
    std::vector<std::string> strs();
    std::vector<std::int64_t> ints();
    bool ok() const { return m_ok; }
    // True when every read fit and the record is fully consumed.
    bool done() const { return m_ok && m_pos == m_in.size(); }

  private:
    std::string_view m_in;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

std::string encode_deploy(const DeployView& deploy);
Result<DeployView> decode_deploy(std::string_view bytes);

std::string encode_queue_item(const QueueItem& item);
Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes);

// "a\"b" -> "\"a\\\"b\"" (JSON string literal, control characters escaped).
void append_json_string(std::string& out, std::string_view s);

// RFC 3339 with all nine fraction digits, so parse(format(t)) == t (records).
std::string format_rfc3339_nanos(Timestamp t);

std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace shiplog::tracking::detail
