#pragma once
// tr_commits and tr_ref_links writes, shared by pushes and REST commit-range
// answers. Live, they go straight to the tables; during reindex they go to
// SortedRows and are folded the same way when written in key order
// (append_sorted_rows), so both paths leave the same bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <lmdb++.h>

#include "common/error.hpp"
#include "records/facts.hpp"
#include "tracking/tables.hpp"

namespace shiplog::tracking::detail {

class SortedRows;

enum class CommitStored { unchanged, added, upgraded };

// Stores `fact` under `commit_key` (repo key, sha) if it is new, or if it
// carries the full message of a commit stored truncated (which keeps its
// first_seq and first_index). Commits are content-addressed: nothing else
// about a known commit changes. With `deferred`, the row is queued there and
// reported as added.
Result<CommitStored> store_commit(lmdb::txn& txn, const Tables& t, SortedRows* deferred,
                                  const std::string& commit_key, const CommitFact& fact);

// A ref-update link (tr_ref_links); `seq` is the entry's.
Status store_ref_link(lmdb::txn& txn, const Tables& t, SortedRows* deferred,
                      const std::string& link_key, std::uint64_t seq, std::string_view old_sha);

// Writes what reindex queued in `rows`, in key order with MDB_APPEND, in
// transactions of a bounded size; the tables must be empty.
Status append_sorted_rows(storage::Store& store, const Tables& t, SortedRows& rows);

}  // namespace shiplog::tracking::detail
