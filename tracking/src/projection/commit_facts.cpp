#include "projection/commit_facts.hpp"

#include "projection/sorted_rows.hpp"
#include "storage/store.hpp"

namespace shiplog::tracking::detail {

namespace {

enum : std::uint8_t { k_commits_table = 0, k_ref_links_table = 1 };

// Rows appended per transaction: sequential pages, so a transaction's dirty
// pages are about rows x row size / page size.
constexpr std::uint64_t k_append_chunk = 100000;

// The stored fact after `later` arrives on top of `stored`, or nullopt when
// it stays as it is.
std::optional<CommitFact> merged(const CommitFact& stored, const CommitFact& later) {
    if (!stored.comment_truncated || later.comment_truncated) return std::nullopt;
    CommitFact fuller = later;
    fuller.first_seq = stored.first_seq;  // its tr_shipped rows stay where they are
    fuller.first_index = stored.first_index;
    return fuller;
}

}  // namespace

Result<CommitStored> store_commit(lmdb::txn& txn, const Tables& t, SortedRows* deferred,
                                  const std::string& commit_key, const CommitFact& fact) {
    if (deferred) {
        deferred->add(k_commits_table, commit_key, fact.first_seq, fact.first_index, encode(fact));
        return CommitStored::added;
    }
    SHIPLOG_TRY_ASSIGN(auto known, get(txn, t.commits, commit_key));
    if (!known) {
        SHIPLOG_TRY(put(txn, t.commits, commit_key, encode(fact)));
        return CommitStored::added;
    }
    auto old = decode<CommitFact>(*known);
    if (!old) return CommitStored::unchanged;
    auto fuller = merged(*old, fact);
    if (!fuller) return CommitStored::unchanged;
    SHIPLOG_TRY(put(txn, t.commits, commit_key, encode(*fuller)));
    return CommitStored::upgraded;
}

Status store_ref_link(lmdb::txn& txn, const Tables& t, SortedRows* deferred,
                      const std::string& link_key, std::uint64_t seq, std::string_view old_sha) {
    if (deferred) {
        deferred->add(k_ref_links_table, link_key, seq, 0, old_sha);
        return {};
    }
    return put(txn, t.ref_links, link_key, old_sha);
}

Status append_sorted_rows(storage::Store& store, const Tables& t, SortedRows& rows) {
    try {
        std::optional<lmdb::txn> txn;
        std::uint64_t in_txn = 0;
        auto append = [&](MDB_dbi dbi, std::string_view key, std::string_view value) -> Status {
            if (!txn) txn.emplace(lmdb::txn::begin(store.env().handle()));
            MDB_val k{key.size(), const_cast<char*>(key.data())};
            MDB_val v{value.size(), const_cast<char*>(value.data())};
            const int rc = ::mdb_put(txn->handle(), dbi, &k, &v, MDB_APPEND);
            if (rc != MDB_SUCCESS)
                return tl::unexpected(storage::store_error(rc, "reindex: append sorted rows"));
            if (++in_txn == k_append_chunk) {
                storage::commit(*txn);
                txn.reset();
                in_txn = 0;
            }
            return {};
        };
        auto emit = [&](std::uint8_t table, std::string_view key,
                        const std::vector<std::string>& values) -> Status {
            if (table == k_ref_links_table) return append(t.ref_links, key, values.back());
            // The fold store_commit applies live, in arrival order.
            auto stored = decode<CommitFact>(values.front());
            if (!stored) return append(t.commits, key, values.front());
            for (std::size_t i = 1; i < values.size(); ++i)
                if (auto later = decode<CommitFact>(values[i]))
                    if (auto fuller = merged(*stored, *later)) stored = std::move(fuller);
            return append(t.commits, key, encode(*stored));
        };
        SHIPLOG_TRY(rows.drain(emit));
        if (txn) storage::commit(*txn);
    } catch (const lmdb::error& e) {
        return tl::unexpected(storage::store_error(e, "reindex: append sorted rows"));
    }
    return {};
}

}  // namespace shiplog::tracking::detail
