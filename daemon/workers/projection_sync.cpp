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
    // Incident sources say where their incidents blame.
    for (const auto& source : config.incident_sources) {
        for (std::string_view field :
             {std::string_view(source.name), std::string_view(config::to_string(source.kind)),
              std::string_view(source.deployment), std::string_view(source.environment)})
            append_field(text, field);
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
    struct Stored {
        std::optional<std::string> fingerprint;
        std::uint64_t events = 0;
    };
    auto stored = storage::read(
        store, "read projection fingerprint", [&store](storage::Txn& txn) -> Result<Stored> {
            auto fingerprint = storage::get_meta(txn, store, k_fingerprint_key);
            if (!fingerprint) return tl::unexpected(fingerprint.error());
            auto size = storage::journal_size(txn, store);
            if (!size) return tl::unexpected(size.error());
            return Stored{std::move(*fingerprint), *size};
        });
    if (!stored) return tl::unexpected(stored.error());
    if (stored->fingerprint == wanted) return {};
    if (stored->events > 0) {
        if (auto done = tracking::reindex(store, config); !done) return done;
        rebuilt = true;
    }
    return storage::put_meta(store, k_fingerprint_key, wanted);
}

Status rebuild_projections(storage::Store& store, const config::Config& config,
                           const tracking::ReindexProgress& progress) {
    if (auto done = tracking::reindex(store, config, progress); !done) return done;
    return storage::put_meta(store, k_fingerprint_key, projection_fingerprint(config));
}

}  // namespace shiplog::daemon
