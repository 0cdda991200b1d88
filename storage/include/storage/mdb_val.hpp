#pragma once
// string_view <-> MDB_val, for the storage and tracking sources that call
// LMDB's C API directly.

#include <string_view>

#include <lmdb.h>

namespace shiplog::storage {

// LMDB takes non-const pointers but never writes through them for keys and
// for values passed to mdb_put without MDB_RESERVE.
inline MDB_val to_val(std::string_view bytes) {
    return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

inline std::string_view to_view(const MDB_val& val) {
    return {static_cast<const char*>(val.mv_data), val.mv_size};
}

}  // namespace shiplog::storage
