#include "projection/external_incidents.hpp"

#include <map>

#include "index/deploy_index.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"

namespace shiplog::tracking::detail {

namespace {

// id \0 time(u64 BE) type(u8): the tail after the id.
constexpr std::size_t k_tail = 1 + 8 + 1;

std::string impact_key(std::string_view id, Timestamp at, handlers::ImpactType type) {
    std::string key(id);
    key.push_back('\0');
    bytes::put_u64_be(key, time_bits(at));
    key.push_back(static_cast<char>(type));
    return key;
}

struct ImpactFact {
    std::uint64_t seq = 0;
    std::string source;
    std::string title;
    std::string url;
};

auto record_fields(ImpactFact& f) {
    return std::tie(f.seq, f.source, f.title, f.url);
}

Status put_one(lmdb::txn& txn, const Tables& t, const std::string& key, const ImpactFact& fact,
               bool& changed) {
    if (key.size() > k_max_key_bytes) return {};
    auto existing = get(txn, t.impacts, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};  // the same transition again: counts once
    changed = true;
    return put(txn, t.impacts, key, encode(fact));
}

}  // namespace

Status put_impact(lmdb::txn& txn, const Tables& t, const ImpactRecord& record, std::uint64_t seq,
                  bool& changed) {
    const std::string id = incident_id(record);
    ImpactFact fact{seq, record.source, record.title, record.url};
    if (auto s = put_one(txn, t, impact_key(id, record.date, record.type), fact, changed); !s)
        return s;
    if (record.opened_at)
        return put_one(txn, t, impact_key(id, *record.opened_at, handlers::ImpactType::triggered),
                       fact, changed);
    return {};
}

Result<std::optional<Timestamp>> earliest_impact(lmdb::txn& txn, const Tables& t,
                                                 std::string_view incident_id) {
    std::optional<Timestamp> earliest;
    std::string prefix(incident_id);
    prefix.push_back('\0');
    auto scanned = scan_prefix(txn, t.impacts, prefix, [&](std::string_view k, std::string_view) {
        if (k.size() != prefix.size() + 9) return true;  // another id that extends this one
        earliest = time_from_bits(bytes::decode_u64_be(k.substr(prefix.size(), 8)));
        return false;  // keys are in time order
    });
    if (!scanned) return tl::unexpected(scanned.error());
    return earliest;
}

Result<bool> impact_known(lmdb::txn& txn, const Tables& t, std::string_view incident_id) {
    if (!t.present) return false;
    std::string prefix(incident_id);
    prefix.push_back('\0');
    bool known = false;
    auto scanned = scan_prefix(txn, t.impacts, prefix, [&](std::string_view k, std::string_view) {
        known = k.size() == prefix.size() + 9 &&
                static_cast<handlers::ImpactType>(k.back()) == handlers::ImpactType::triggered;
        return !known;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    return known;
}

Result<std::vector<IncidentView>> source_incidents(lmdb::txn& txn, const Tables& t,
                                                   const config::IncidentSourceConfig& source) {
    std::vector<IncidentView> out;
    if (!t.present) return out;
    const std::string prefix = incident_id_prefix(source.kind, source.name);
    struct State {
        IncidentView view;
        bool opened = false;
        bool open = false;
    };
    std::map<std::string, State> by_id;
    bool corrupt = false;
    auto scanned = scan_prefix(txn, t.impacts, prefix, [&](std::string_view k, std::string_view v) {
        if (k.size() < prefix.size() + k_tail || k[k.size() - k_tail] != '\0') {
            corrupt = true;
            return false;
        }
        auto fact = decode<ImpactFact>(v);
        if (!fact) {
            corrupt = true;
            return false;
        }
        const std::string id(k.substr(0, k.size() - k_tail));
        const auto at_bits = bytes::decode_u64_be(k.substr(k.size() - 9, 8));
        const auto type = static_cast<handlers::ImpactType>(k.back());
        const Timestamp at = time_from_bits(at_bits);
        State& s = by_id[id];
        if (!fact->title.empty()) s.view.title = fact->title;
        if (!fact->url.empty()) s.view.url = fact->url;
        switch (type) {
            case handlers::ImpactType::triggered:
            case handlers::ImpactType::reopened:
                if (!s.opened) {
                    if (type == handlers::ImpactType::reopened) break;  // nothing to reopen
                    s.opened = true;
                    s.view.created_at = at;
                }
                s.open = true;
                s.view.restored_at.reset();
                break;
            case handlers::ImpactType::resolved:
                if (s.opened && s.open) {
                    s.open = false;
                    s.view.restored_at = at;
                }
                break;
        }
        return true;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    if (corrupt)
        return fail(ErrorCode::store,
                    "a stored incident fact does not decode (run shiplog reindex)");
    for (auto& [id, s] : by_id) {
        if (!s.opened) continue;
        s.view.id = id;
        s.view.source = source.name;
        s.view.state = s.open ? "open" : "resolved";
        out.push_back(std::move(s.view));
    }
    return out;
}

}  // namespace shiplog::tracking::detail
