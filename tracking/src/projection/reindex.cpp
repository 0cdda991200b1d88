#include <memory>
#include <optional>

#include "recompute.hpp"
#include "tracking/projector.hpp"

namespace shiplog::tracking {

namespace {

// Entries replayed per write transaction: bounds a transaction's dirty pages
// on a large journal (LMDB fails a transaction that touches too many).
constexpr std::uint64_t k_reindex_chunk = 5000;

}  // namespace

Status reindex(storage::Store& store, const config::Config& config, const ReindexProgress& progress,
               std::size_t derive_chunk, std::size_t sort_run_bytes) {
    if (store.read_only())
        return fail(ErrorCode::invalid_argument, "reindex needs a writable store");
    auto shared = std::make_shared<const config::Config>(config);
    auto projector = Projector::open(store, [shared] { return shared; });
    if (!projector) return tl::unexpected(projector.error());
    const Tables& t = (*projector)->tables();
    (*projector)->set_deferred(true, sort_run_bytes);

    try {
        {
            auto txn = lmdb::txn::begin(store.env().handle());
            for (MDB_dbi dbi :
                 {t.repos,       t.pushes,         t.ref_links,     t.commits,    t.builds,
                  t.stages,      t.releases,       t.release_shas,  t.work_items, t.wi_links,
                  t.wi_index,    t.sources,        t.deploys,       t.queue,      t.deploy_time,
                  t.deploy_shas, t.incident_blame, t.commit_ranges, t.shipped,    t.gaps,
                  t.deploy_days, t.impacts,        t.pull_requests, t.pr_merges,  t.wi_created}) {
                const int rc = ::mdb_drop(txn.handle(), dbi, 0);
                if (rc != MDB_SUCCESS)
                    return tl::unexpected(
                        storage::store_error(rc, "reindex: empty derived tables"));
            }
            storage::commit(txn);
        }

        std::uint64_t total = 0;
        if (progress) {
            auto txn = lmdb::txn::begin(store.env().handle(), nullptr, MDB_RDONLY);
            auto last = storage::last_seq(txn, store);
            if (!last) return tl::unexpected(last.error());
            total = *last;
        }
        std::uint64_t next = 1;
        for (;;) {
            auto txn = lmdb::txn::begin(store.env().handle());
            std::uint64_t count = 0;
            std::optional<Error> failure;
            auto walked =
                storage::for_each_entry(txn, store, next, [&](const storage::JournalEntry& entry) {
                    // Per entry in a nested transaction, like the writer:
                    // a failed entry leaves no partial facts behind.
                    auto nested = lmdb::txn::begin(store.env().handle(), txn.handle());
                    if (auto s = (*projector)->on_append(nested, entry); s) {
                        storage::commit(nested);
                    } else {
                        nested.abort();
                        // An entry that cannot be projected is skipped, as
                        // live ingestion does (the writer rolls back only its
                        // derived changes); a full store stops the rebuild.
                        if (s.error().code == ErrorCode::store_full ||
                            s.error().code == ErrorCode::store) {
                            failure = s.error();
                            return false;
                        }
                    }
                    next = entry.seq + 1;
                    if (progress) progress(entry.seq, total);
                    return ++count < k_reindex_chunk;
                });
            if (!walked) return walked;
            if (failure) return tl::unexpected(*failure);
            storage::commit(txn);
            if (count < k_reindex_chunk) break;
        }
        // The sha-keyed facts, queued while replaying, in key order.
        if (auto written = (*projector)->write_deferred_rows(store); !written) return written;

        // Each dirty series from scratch, in chunks: one transaction holding
        // every deploy of a long series grew superlinearly (and in memory).
        for (const auto& [name, environment] : (*projector)->take_dirty())
            for (const auto& d : config.deployments)
                if (d.name == name && d.environment == environment)
                    if (auto derived = detail::derive_in_chunks(store, t, config, d, derive_chunk);
                        !derived)
                        return tl::unexpected(derived.error());
    } catch (const lmdb::error& e) {
        return tl::unexpected(storage::store_error(e, "reindex"));
    }
    return {};
}

}  // namespace shiplog::tracking
