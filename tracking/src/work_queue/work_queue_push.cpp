// Finding a first deploy's push for the work queue (see push_of_tip): the
// REST worker completes a truncated push from the push itself, so the first
// deploy ships exactly that push's commits (docs/reference/definitions.md), never more.
#include <algorithm>

#include "records/facts.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking {

using namespace detail;

Result<std::optional<std::int64_t>> push_of_tip(lmdb::txn& txn, const Tables& tables,
                                                std::string_view repo, std::string_view ref,
                                                std::string_view sha) {
    using Out = std::optional<std::int64_t>;
    if (!tables.present) return Out{};
    const std::string prefix = KeyBuilder().str(repo).str(ref).str(sha).sep().bytes();
    std::vector<std::uint64_t> ids;
    auto scanned =
        scan_prefix(txn, tables.ref_links, prefix, [&](std::string_view k, std::string_view) {
            if (k.size() == prefix.size() + 8)
                ids.push_back(bytes::decode_u64_be(k.substr(prefix.size())));
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    // Lowest push id first, like recompute's first_deploy.
    for (auto id : ids) {
        auto value = get(txn, tables.pushes, KeyBuilder().str(repo).u64(id).bytes());
        if (!value) return tl::unexpected(value.error());
        if (!*value) continue;
        auto push = decode<PushFact>(**value);
        if (!push) continue;
        if (std::find(push->commit_shas.begin(), push->commit_shas.end(), sha) !=
            push->commit_shas.end())
            return Out{static_cast<std::int64_t>(id)};
    }
    return Out{};
}

}  // namespace shiplog::tracking
