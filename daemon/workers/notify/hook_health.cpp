#include "workers/notify/hook_health.hpp"

#include <algorithm>

#include "common/json.hpp"

namespace shiplog::daemon {

namespace {

constexpr unsigned char k_record_version = 1;
constexpr std::string_view k_table = "notify_hooks";

std::string_view listed_status(const azure::Subscription& s) {
    return s.status.empty() ? std::string_view("enabled") : std::string_view(s.status);
}

std::string what_it_means(std::string_view status) {
    if (status == "onProbation")
        return "Azure DevOps is holding back its deliveries after failures; the next hooks sync "
               "re-enables it and backfills what was missed";
    if (status == "disabledBySystem")
        return "Azure DevOps disabled it after repeated failures; the next hooks sync re-enables "
               "it and backfills what was missed";
    if (status == "disabledByUser")
        return "someone disabled it in Azure DevOps; shiplog leaves that alone, enable it or run "
               "`shiplog hooks sync` after removing it";
    if (status == "disabledByInactiveIdentity")
        return "its owner's identity is inactive; have an active user run `shiplog hooks sync`";
    return "Azure DevOps does not deliver its events";
}

}  // namespace

bool hook_status_unhealthy(std::string_view status) {
    return !status.empty() && status != "enabled";
}

std::vector<azure::Subscription> note_hook_listing(std::map<std::string, HookHealthState>& known,
                                                   const std::vector<azure::Subscription>& listed) {
    std::vector<azure::Subscription> turned;
    for (const auto& s : listed) {
        if (s.id.empty()) continue;  // not created yet: nothing to be unhealthy
        auto& state = known[s.id];
        const bool was_unhealthy = hook_status_unhealthy(state.status);
        const bool unhealthy = hook_status_unhealthy(s.status);
        if (unhealthy && !was_unhealthy) {
            ++state.transitions;
            turned.push_back(s);
        }
        state.status = std::string(listed_status(s));
    }
    return turned;
}

storage::OutboxMessage hook_unhealthy_message(const azure::Subscription& s,
                                              std::uint32_t transition, std::string_view target,
                                              Timestamp now) {
    storage::OutboxMessage m;
    m.event_id = "hooks.unhealthy:" + s.id + ":" + std::to_string(transition);
    m.target = std::string(target);
    m.event = "hooks.unhealthy";
    m.occurred_at = now;
    m.queued_at = now;
    json::Writer subject;
    subject.begin_object()
        .field("id", s.id)
        .field("event_type", s.event_type)
        .field("status", listed_status(s))
        .field("probation_retries", s.probation_retries);
    subject.key("filters").begin_object();
    for (const auto& [key, value] : s.publisher_inputs) {
        if (key == "tfsSubscriptionId" || key == "hostId") continue;  // server bookkeeping
        subject.field(key, value);
    }
    subject.end_object().end_object();
    m.subject = subject.take();
    m.summary = "The " + s.event_type + " subscription " + s.id + " is " +
                std::string(listed_status(s)) + ": " + what_it_means(listed_status(s)) + ".";
    return m;
}

std::string encode_hook_health(const HookHealthState& state) {
    std::string out(1, static_cast<char>(k_record_version));
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((state.transitions >> shift) & 0xff));
    out += state.status;
    return out;
}

std::optional<HookHealthState> decode_hook_health(std::string_view bytes) {
    if (bytes.size() < 5 || static_cast<unsigned char>(bytes[0]) != k_record_version)
        return std::nullopt;
    HookHealthState state;
    for (int i = 1; i <= 4; ++i)
        state.transitions = (state.transitions << 8) | static_cast<unsigned char>(bytes[i]);
    state.status = std::string(bytes.substr(5));
    return state;
}

Result<HookHealthTable> HookHealthTable::open(storage::Store& store) {
    HookHealthTable table;
    const std::string_view names[] = {k_table};
    MDB_dbi handles[1] = {};
    if (auto opened = store.open_tables(names, handles); !opened)
        return tl::unexpected(opened.error());
    table.m_dbi = handles[0];
    return table;
}

Result<std::size_t> HookHealthTable::record(storage::Txn& txn, const storage::Outbox& outbox,
                                            const config::Config& config,
                                            const std::vector<azure::Subscription>& listed,
                                            Timestamp now) const {
    std::map<std::string, HookHealthState> known;
    for (const auto& s : listed) {
        if (s.id.empty()) continue;
        auto stored = storage::get_value(txn, m_dbi, s.id, "read hook health");
        if (!stored) return tl::unexpected(stored.error());
        if (!*stored) continue;
        // A record this build cannot read counts as never seen.
        if (auto state = decode_hook_health(**stored)) known[s.id] = std::move(*state);
    }
    const auto before = known;
    const auto turned = note_hook_listing(known, listed);
    for (const auto& [id, state] : known) {
        auto it = before.find(id);
        if (it != before.end() && it->second == state) continue;
        const std::string bytes = encode_hook_health(state);
        if (auto put = storage::put_value(txn, m_dbi, id, bytes, "note hook health"); !put)
            return tl::unexpected(put.error());
    }
    for (const auto& s : turned)
        for (const auto& n : config.notify) {
            if (!n.wants("hooks.unhealthy")) continue;
            auto queued = outbox.enqueue(
                txn, hook_unhealthy_message(s, known.at(s.id).transitions, n.name, now));
            if (!queued) return tl::unexpected(queued.error());
        }
    return turned.size();
}

}  // namespace shiplog::daemon
