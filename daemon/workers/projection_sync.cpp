#include "daemon/projection_sync.hpp"

#include <cinttypes>
#include <cstdio>

#include "storage/journal.hpp"
#include "tracking/projector.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {
namespace {

constexpr std::string_view k_fingerprint_key = "projection_fingerprint";

void append_field(std::string& out, std::string_view value) {
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += ';';
}

std::uint64_t fnv1a(std::string_view data) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : data) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

Result<std::string> stored_fingerprint(lmdb::txn& txn, const storage::Store& store) {
    MDB_val key{k_fingerprint_key.size(), const_cast<char*>(k_fingerprint_key.data())};
    MDB_val value{};
    int rc = mdb_get(txn.handle(), store.meta_table(), &key, &value);
    if (rc == MDB_NOTFOUND) return std::string();
    if (rc != 0) return tl::unexpected(storage::store_error(rc, "read projection fingerprint"));
    return std::string(static_cast<const char*>(value.mv_data), value.mv_size);
}

Status store_fingerprint(storage::Store& store, const std::string& fingerprint) {
    try {
        auto txn = lmdb::txn::begin(store.env());
        MDB_val key{k_fingerprint_key.size(), const_cast<char*>(k_fingerprint_key.data())};
        MDB_val value{fingerprint.size(), const_cast<char*>(fingerprint.data())};
        int rc = mdb_put(txn.handle(), store.meta_table(), &key, &value, 0);
        if (rc != 0)
            return tl::unexpected(storage::store_error(rc, "write projection fingerprint"));
        storage::commit(txn);
        return {};
    } catch (const lmdb::error& e) {
        return tl::unexpected(storage::store_error(e, "write projection fingerprint"));
    }
}

}  // namespace

std::string projection_fingerprint(const config::Config& config) {
    std::string text;
    for (const auto& d : config.deployments) {
        for (std::string_view field :
             {std::string_view(d.name), std::string_view(d.environment),
              std::string_view(d.project), std::string_view(d.repository),
              std::string_view(d.branch), std::string_view(config::to_string(d.trigger)),
              std::string_view(d.pipeline), std::string_view(d.stage),
              std::string_view(d.release_definition), std::string_view(d.release_environment),
              std::string_view(d.incident_area_path)})
            append_field(text, field);
        text += '|';
    }
    for (const auto* list :
         {&config.failures.incident_work_item_types, &config.failures.incident_tags,
          &config.failures.incident_closed_states, &config.failures.hotfix_branches}) {
        for (const auto& item : *list) append_field(text, item);
        text += '|';
    }
    char digest[32];
    // The tracking layout version leads, so a build with new tr_ tables or
    // records rebuilds an older store's derived data (tracking/tables.hpp).
    std::snprintf(digest, sizeof digest, "v%d-%016" PRIx64, tracking::k_layout_version,
                  fnv1a(text));
    return digest;
}

Status sync_projections(storage::Store& store, const config::Config& config, bool& rebuilt) {
    rebuilt = false;
    auto wanted = projection_fingerprint(config);
    std::string have;
    std::uint64_t events = 0;
    try {
        auto txn = lmdb::txn::begin(store.env(), nullptr, MDB_RDONLY);
        auto stored = stored_fingerprint(txn, store);
        if (!stored) return tl::unexpected(stored.error());
        have = *stored;
        auto size = storage::journal_size(txn, store);
        if (!size) return tl::unexpected(size.error());
        events = *size;
    } catch (const lmdb::error& e) {
        return tl::unexpected(storage::store_error(e, "read projection fingerprint"));
    }
    if (have == wanted) return {};
    if (events > 0) {
        if (auto done = tracking::reindex(store, config); !done) return done;
        rebuilt = true;
    }
    return store_fingerprint(store, wanted);
}

Status rebuild_projections(storage::Store& store, const config::Config& config,
                           const tracking::ReindexProgress& progress) {
    if (auto done = tracking::reindex(store, config, progress); !done) return done;
    return store_fingerprint(store, projection_fingerprint(config));
}

}  // namespace shiplog::daemon
