#include "tracking/deploy_details.hpp"

#include "records/facts.hpp"

namespace shiplog::tracking {

using namespace detail;

Result<std::vector<WorkItemInfo>> work_item_infos(lmdb::txn& txn, const Tables& tables,
                                                  const std::vector<std::int64_t>& ids,
                                                  const config::FailuresConfig& failures) {
    std::vector<WorkItemInfo> out;
    if (!tables.present) return out;
    auto closed = [&](std::string_view state) {
        for (const auto& c : failures.incident_closed_states)
            if (iequals(c, state)) return true;
        return false;
    };
    for (const auto id : ids) {
        if (id <= 0) continue;
        std::optional<WorkItemInfo> info;
        bool was_closed = false;
        // Key order is (rev, change): revisions in the order they happened,
        // as incidents_in() reads them for time to restore.
        auto scanned = scan_prefix(
            txn, tables.work_items, KeyBuilder().u64(static_cast<std::uint64_t>(id)).bytes(),
            [&](std::string_view, std::string_view v) {
                auto rev = decode<WorkItemRev>(v);
                if (!rev) return true;
                if (!info) info.emplace().id = id;
                if (!rev->title.empty()) info->title = rev->title;
                if (!rev->type.empty()) info->type = rev->type;
                info->state = rev->state;
                if (!rev->project.empty()) info->project = rev->project;
                if (rev->created_at) info->created_at = rev->created_at;
                const bool is_closed = closed(rev->state);
                if (is_closed && !was_closed)
                    info->restored_at = rev->changed_at ? rev->changed_at : rev->created_at;
                was_closed = is_closed;
                return true;
            });
        if (!scanned) return tl::unexpected(scanned.error());
        if (!info) continue;
        if (!was_closed) info->restored_at.reset();
        out.push_back(std::move(*info));
    }
    return out;
}

Result<std::optional<DeployOrigin>> deploy_origin(lmdb::txn& txn, const Tables& tables,
                                                  const DeployView& deploy) {
    if (!tables.present) return std::optional<DeployOrigin>{};
    std::optional<DeploySource> source;
    auto exact =
        get(txn, tables.sources,
            source_key(deploy.deployment, deploy.environment, deploy.deployed_at, deploy.seq));
    if (!exact) return tl::unexpected(exact.error());
    if (*exact) source = decode<DeploySource>(**exact);
    if (!source) {
        // The source's position can differ from the deploy's time (a REST
        // answer moved it): find it by seq.
        auto scanned =
            scan_prefix(txn, tables.sources, deploy_prefix(deploy.deployment, deploy.environment),
                        [&](std::string_view, std::string_view v) {
                            auto s = decode<DeploySource>(v);
                            if (s && s->seq == deploy.seq) {
                                source = std::move(s);
                                return false;
                            }
                            return true;
                        });
        if (!scanned) return tl::unexpected(scanned.error());
    }
    if (!source) return std::optional<DeployOrigin>{};
    DeployOrigin origin;
    origin.ref_id = source->ref_id;
    switch (source->kind) {
        case SourceKind::push:
            origin.kind = "push";
            break;
        case SourceKind::build:
            origin.kind = "build";
            break;
        case SourceKind::stage:
            origin.kind = "stage";
            break;
        case SourceKind::release:
            origin.kind = "release";
            break;
        case SourceKind::registration:
            origin.kind = "registration";
            break;
    }
    return std::optional<DeployOrigin>{std::move(origin)};
}

}  // namespace shiplog::tracking
