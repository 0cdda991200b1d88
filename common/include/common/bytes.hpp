#pragma once
// The one binary record codec (after LevelDB's util/coding.h), used by the
// journal and by tracking's tables:
//   - fixed64: 8 bytes little-endian, for record fields (times, signed values);
//   - u64_be / u32_be: big-endian, for key parts, so that LMDB's byte order
//     is numeric order;
//   - varint: unsigned LEB128, for lengths and counts; only the shortest
//     encoding decodes, so a record has exactly one byte form;
//   - length-prefixed: a varint length, then the bytes.
// Encoders come in two forms: put_* appends to a string, encode_* writes
// through a pointer into a buffer already sized (e.g. with encoded sizes
// summed from varint_length) and returns the end.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace shiplog::bytes {

inline constexpr std::size_t k_max_varint64_bytes = 10;

inline char* encode_fixed64(char* out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) {
        *out++ = static_cast<char>(value & 0xffU);
        value >>= 8;
    }
    return out;
}

inline std::uint64_t decode_fixed64(const char* in) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
    return value;
}

inline char* encode_u64_be(char* out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8)
        *out++ = static_cast<char>((value >> shift) & 0xffU);
    return out;
}

inline char* encode_u32_be(char* out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
        *out++ = static_cast<char>((value >> shift) & 0xffU);
    return out;
}

// The first 8 (4) bytes as a big-endian number; a shorter input reads as
// the number its bytes spell.
inline std::uint64_t decode_u64_be(std::string_view in) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8 && i < in.size(); ++i)
        value = (value << 8) | static_cast<unsigned char>(in[i]);
    return value;
}

inline std::uint32_t decode_u32_be(std::string_view in) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4 && i < in.size(); ++i)
        value = (value << 8) | static_cast<unsigned char>(in[i]);
    return value;
}

inline std::size_t varint_length(std::uint64_t value) {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

inline char* encode_varint(char* out, std::uint64_t value) {
    while (value >= 0x80) {
        *out++ = static_cast<char>((value & 0x7fU) | 0x80U);
        value >>= 7;
    }
    *out++ = static_cast<char>(value);
    return out;
}

inline char* encode_length_prefixed(char* out, std::string_view s) {
    out = encode_varint(out, s.size());
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    return out + s.size();
}

inline std::size_t length_prefixed_size(std::string_view s) {
    return varint_length(s.size()) + s.size();
}

inline void put_fixed64(std::string& out, std::uint64_t value) {
    char buf[8];
    out.append(buf, encode_fixed64(buf, value));
}

inline void put_u64_be(std::string& out, std::uint64_t value) {
    char buf[8];
    out.append(buf, encode_u64_be(buf, value));
}

inline void put_u32_be(std::string& out, std::uint32_t value) {
    char buf[4];
    out.append(buf, encode_u32_be(buf, value));
}

inline void put_varint(std::string& out, std::uint64_t value) {
    char buf[k_max_varint64_bytes];
    out.append(buf, encode_varint(buf, value));
}

inline void put_length_prefixed(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

// A bounds-checked cursor over a record. A read that does not fit (or a
// malformed varint) latches ok() to false and yields zero or empty; later
// reads then fail too, so a decoder may read a whole record and check once.
// offset() stays at the start of the read that failed.
class Reader {
  public:
    explicit Reader(std::string_view in) : m_in(in) {}

    bool ok() const { return m_ok; }
    // True when every read fit and the record is fully consumed.
    bool done() const { return m_ok && m_pos == m_in.size(); }
    std::size_t offset() const { return m_pos; }
    std::size_t remaining() const { return m_in.size() - m_pos; }

    std::uint8_t u8() {
        if (!fits(1)) return 0;
        return static_cast<std::uint8_t>(m_in[m_pos++]);
    }

    std::uint64_t fixed64() {
        if (!fits(8)) return 0;
        const std::uint64_t value = decode_fixed64(m_in.data() + m_pos);
        m_pos += 8;
        return value;
    }

    std::uint64_t u64_be() {
        if (!fits(8)) return 0;
        const std::uint64_t value = decode_u64_be(m_in.substr(m_pos, 8));
        m_pos += 8;
        return value;
    }

    std::uint32_t u32_be() {
        if (!fits(4)) return 0;
        const std::uint32_t value = decode_u32_be(m_in.substr(m_pos, 4));
        m_pos += 4;
        return value;
    }

    std::uint64_t varint() { return varint_up_to(std::numeric_limits<std::uint64_t>::max()); }
    std::uint32_t varint32() {
        return static_cast<std::uint32_t>(varint_up_to(std::numeric_limits<std::uint32_t>::max()));
    }

    std::string_view bytes(std::uint64_t size) {
        if (!fits(size)) return {};
        const std::string_view out = m_in.substr(m_pos, static_cast<std::size_t>(size));
        m_pos += static_cast<std::size_t>(size);
        return out;
    }

    std::string_view length_prefixed() {
        const std::size_t start = m_pos;
        const std::uint64_t size = varint();
        if (!m_ok) return {};
        if (remaining() < size) {
            m_pos = start;
            m_ok = false;
            return {};
        }
        return bytes(size);
    }

  private:
    bool fits(std::uint64_t size) {
        if (m_ok && remaining() >= size) return true;
        m_ok = false;
        return false;
    }

    // Rejects truncated and overlong encodings and values above `max`.
    std::uint64_t varint_up_to(std::uint64_t max) {
        if (!m_ok) return 0;
        std::uint64_t value = 0;
        std::size_t pos = m_pos;
        for (std::size_t i = 0; i < k_max_varint64_bytes && pos < m_in.size(); ++i) {
            const auto byte = static_cast<std::uint8_t>(m_in[pos++]);
            const std::uint64_t bits = byte & 0x7fU;
            // The tenth byte may only carry the top bit of a u64.
            if (i == k_max_varint64_bytes - 1 && bits > 1) break;
            value |= bits << (7 * i);
            if ((byte & 0x80U) == 0) {
                if ((byte == 0 && i > 0) || value > max) break;
                m_pos = pos;
                return value;
            }
        }
        m_ok = false;
        return 0;
    }

    std::string_view m_in;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

}  // namespace shiplog::bytes
