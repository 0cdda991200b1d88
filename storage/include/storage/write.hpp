#pragma once
// A write transaction as a Result, for code outside storage that writes
// where writes are allowed (on the writer thread, e.g. inside
// JournalWriter::run_exclusive): fn(txn) returns a Status; the transaction
// commits only when it succeeds, and an LMDB failure becomes
// ErrorCode::store led by `context`.

#include <string_view>

#include "storage/store.hpp"

namespace shiplog::storage {

template <class F>
Status write(Store& store, std::string_view context, F&& fn) {
    try {
        auto txn = lmdb::txn::begin(store.env());
        if (auto s = fn(txn); !s) return s;
        commit(txn);
        return {};
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, context));
    }
}

}  // namespace shiplog::storage
