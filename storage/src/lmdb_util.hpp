#pragma once
// The journal's key: the sequence number, 8 bytes big-endian (so that
// LMDB's lexical key order is numeric order). Private to storage/.

#include <cstdint>

#include <lmdb.h>

#include "common/bytes.hpp"
#include "storage/mdb_val.hpp"

namespace shiplog::storage::detail {

using storage::to_val;
using storage::to_view;

struct SeqKey {
    explicit SeqKey(std::uint64_t seq) { bytes::encode_u64_be(data, seq); }
    MDB_val val() { return MDB_val{sizeof data, data}; }
    char data[8];
};

}  // namespace shiplog::storage::detail
