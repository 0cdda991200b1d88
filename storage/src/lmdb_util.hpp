#pragma once
// Small helpers shared by the storage sources: fixed-width big-endian
// integers (so that LMDB's lexical key order is numeric order) and
// string_view <-> MDB_val conversion. Private to storage/.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <lmdb.h>

namespace shiplog::storage::detail {

inline void put_u64_be(unsigned char* out, std::uint64_t value) {
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<unsigned char>(value & 0xffU);
        value >>= 8;
    }
}

inline std::uint64_t get_u64_be(const unsigned char* in) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
    return value;
}

inline void put_u32_be(unsigned char* out, std::uint32_t value) {
    for (int i = 3; i >= 0; --i) {
        out[i] = static_cast<unsigned char>(value & 0xffU);
        value >>= 8;
    }
}

inline std::uint32_t get_u32_be(const unsigned char* in) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | in[i];
    return value;
}

// LMDB takes non-const pointers but never writes through them for keys and
// for values passed to mdb_put without MDB_RESERVE.
inline MDB_val to_val(std::string_view bytes) {
    return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

inline std::string_view to_view(const MDB_val& val) {
    return {static_cast<const char*>(val.mv_data), val.mv_size};
}

// A journal key: the sequence number, 8 bytes big-endian.
struct SeqKey {
    explicit SeqKey(std::uint64_t seq) { put_u64_be(bytes, seq); }
    MDB_val val() { return MDB_val{sizeof bytes, bytes}; }
    unsigned char bytes[8];
};

}  // namespace shiplog::storage::detail
