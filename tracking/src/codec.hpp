#pragma once
// Private to tracking: the byte formats of tracking's keys and records,
// written with common/bytes.hpp (lengths and counts as varints, times and
// signed values as fixed64). Records are versionless on purpose: they are
// derived data, and a format change bumps tracking::k_layout_version
// (tracking/tables.hpp), which rebuilds them from the journal.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb.h>

#include "common/ascii.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "storage/mdb_val.hpp"
#include "tracking/deploy.hpp"
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
    Writer& boolean(bool v) { return u8(v ? 1 : 0); }
    Writer& str(std::string_view s) {
        bytes::put_length_prefixed(m_out, s);
        return *this;
    }
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
    std::uint8_t u8() { return m_in.u8(); }
    std::uint64_t u64() { return m_in.varint(); }
    std::int64_t i64() { return static_cast<std::int64_t>(m_in.fixed64()); }
    bool boolean() { return u8() != 0; }
    std::string str() { return std::string(m_in.length_prefixed()); }
    Timestamp time() { return Timestamp{std::chrono::nanoseconds{i64()}}; }
    std::optional<Timestamp> opt_time() {
        if (!boolean()) return std::nullopt;
        return time();
    }
    std::vector<std::string> strs();
    std::vector<std::int64_t> ints();
    bool ok() const { return m_in.ok(); }
    // True when every read fit and the record is fully consumed.
    bool done() const { return m_in.done(); }

  private:
    bytes::Reader m_in;
};

std::string encode_deploy(const DeployView& deploy);
Result<DeployView> decode_deploy(std::string_view bytes);

std::string encode_queue_item(const QueueItem& item);
Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes);

using ascii::iequals;
using ascii::lower;

}  // namespace shiplog::tracking::detail
