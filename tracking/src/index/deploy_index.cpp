#include "index/deploy_index.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "records/facts.hpp"

namespace shiplog::tracking::detail {

namespace {

constexpr std::uint64_t k_sign = std::uint64_t{1} << 63;

// A read cursor over one table; positions are "valid" while on a row.
class Cursor {
  public:
    Cursor(lmdb::txn& txn, MDB_dbi dbi) {
        m_rc = ::mdb_cursor_open(txn.handle(), dbi, &m_cursor);
        if (m_rc != MDB_SUCCESS) m_cursor = nullptr;
    }
    ~Cursor() {
        if (m_cursor != nullptr) ::mdb_cursor_close(m_cursor);
    }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    bool seek(std::string_view key) {  // first row >= key
        m_k = to_val(key);
        return move(MDB_SET_RANGE);
    }
    bool next() { return move(MDB_NEXT); }
    bool prev() { return move(MDB_PREV); }
    bool first() { return move(MDB_FIRST); }
    bool last() { return move(MDB_LAST); }
    // The row before `key` (the last row < key).
    bool before(std::string_view key) {
        if (seek(key)) return prev();
        return m_rc == MDB_NOTFOUND && last();
    }
    std::string_view key() const { return to_view(m_k); }
    std::string_view value() const { return to_view(m_v); }
    // An LMDB failure other than running off either end.
    Status status(const char* what) const {
        if (m_rc != MDB_SUCCESS && m_rc != MDB_NOTFOUND)
            return tl::unexpected(storage::store_error(m_rc, what));
        return {};
    }

  private:
    bool move(MDB_cursor_op op) {
        if (m_cursor == nullptr) return false;
        m_rc = ::mdb_cursor_get(m_cursor, &m_k, &m_v, op);
        return m_rc == MDB_SUCCESS;
    }
    MDB_cursor* m_cursor = nullptr;
    MDB_val m_k{};
    MDB_val m_v{};
    int m_rc = MDB_SUCCESS;
};

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string time_key(std::string_view prefix, Timestamp t, std::uint64_t seq) {
    std::string key(prefix);
    bytes::put_u64_be(key, time_bits(t));
    bytes::put_u64_be(key, seq);
    return key;
}

std::string sha_key(std::string_view prefix, std::string_view sha, Timestamp t, std::uint64_t seq) {
    std::string key(prefix);
    key.append(sha);
    key.push_back('\0');
    bytes::put_u64_be(key, time_bits(t));
    bytes::put_u64_be(key, seq);
    return key;
}

std::string blame_key(std::string_view prefix, const IncidentView& incident) {
    std::string key(prefix);
    bytes::put_u64_be(key, time_bits(incident.restored_at.value_or(Timestamp{})));
    key.append(incident.id);
    return key;
}

// Rows are compact (a 30-day window of every series is ~40k rows, read
// page by page): unsigned LEB128 varints for lengths and seconds, the
// first-shipped flags as bits.
void put_seconds(std::string& out, const std::vector<std::int64_t>& values) {
    bytes::put_varint(out, values.size());
    for (auto v : values) bytes::put_varint(out, static_cast<std::uint64_t>(v));
}

std::string encode_row(const DeployIndexRow& row) {
    std::string out;
    out.reserve(16 + row.sha.size() + row.first_shipped.size() / 8 +
                5 * (row.lead_seconds.size() + row.restore_seconds.size()));
    out.push_back(static_cast<char>(row.status));
    out.push_back(static_cast<char>(row.failure));
    out.push_back(static_cast<char>(row.sha_seen_before ? 1 : 0));
    bytes::put_length_prefixed(out, row.sha);
    bytes::put_varint(out, row.first_shipped.size());
    std::string bits((row.first_shipped.size() + 7) / 8, '\0');
    for (std::size_t i = 0; i < row.first_shipped.size(); ++i)
        if (row.first_shipped[i] != '\0')
            bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    out.append(bits);
    put_seconds(out, row.lead_seconds);
    put_seconds(out, row.restore_seconds);
    const auto& x = row.extras;
    out.push_back(static_cast<char>(x.rework));
    for (auto v : {x.batch.commits, x.batch.pull_requests, x.batch.work_items, x.direct_commits})
        bytes::put_varint(out, static_cast<std::uint64_t>(v));
    bytes::put_varint(out, x.pull_requests.size());
    for (const auto& p : x.pull_requests) {
        out.push_back(static_cast<char>(p.coding ? 1 : 0));
        for (auto v : {p.coding.value_or(0), p.pickup, p.review, p.deploy})
            bytes::put_varint(out, static_cast<std::uint64_t>(v));
    }
    return out;
}

// A row's value, split without copying.
struct RowParts {
    std::uint8_t status = 0;
    std::uint8_t failure = 0;
    bool sha_seen_before = false;
    std::string_view sha;
    std::uint64_t commits = 0;
    std::string_view first_shipped_bits;
    std::string_view seconds;  // lead count, leads, restore count, restores (varints)
};

std::optional<RowParts> split_row(std::string_view value) {
    RowParts p;
    if (value.size() < 3) return std::nullopt;
    p.status = static_cast<std::uint8_t>(value[0]);
    p.failure = static_cast<std::uint8_t>(value[1]);
    p.sha_seen_before = value[2] != 0;
    if (p.status > static_cast<std::uint8_t>(DeployStatus::failed) ||
        p.failure > static_cast<std::uint8_t>(Failure::incident))
        return std::nullopt;
    bytes::Reader in(value.substr(3));
    p.sha = in.length_prefixed();
    p.commits = in.varint();
    if (!in.ok() || p.commits > value.size() * 8) return std::nullopt;
    p.first_shipped_bits = in.bytes((p.commits + 7) / 8);
    if (!in.ok()) return std::nullopt;
    p.seconds = in.bytes(in.remaining());
    return p;
}

// Reads "count, values" from `in` into `out` (cleared, capacity kept).
bool get_seconds(bytes::Reader& in, std::vector<std::int64_t>& out) {
    out.clear();
    const std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t v = in.varint();
        if (!in.ok()) return false;
        out.push_back(static_cast<std::int64_t>(v));
    }
    return true;
}

bool get_extras(bytes::Reader& in, RowExtras& x) {
    const std::uint8_t rework = in.u8();
    if (!in.ok() || rework > static_cast<std::uint8_t>(Rework::hotfix)) return false;
    x.rework = static_cast<Rework>(rework);
    std::uint64_t v[4] = {};
    for (auto& value : v) value = in.varint();
    x.batch = BatchSize{static_cast<std::int64_t>(v[0]), static_cast<std::int64_t>(v[1]),
                        static_cast<std::int64_t>(v[2])};
    x.direct_commits = static_cast<std::int64_t>(v[3]);
    const std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return false;
    x.pull_requests.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
        const bool coding = in.u8() != 0;
        std::uint64_t s[4] = {};
        for (auto& value : s) value = in.varint();
        if (!in.ok()) return false;
        PullRequestSeconds p;
        if (coding) p.coding = static_cast<std::int64_t>(s[0]);
        p.pickup = static_cast<std::int64_t>(s[1]);
        p.review = static_cast<std::int64_t>(s[2]);
        p.deploy = static_cast<std::int64_t>(s[3]);
        x.pull_requests.push_back(p);
    }
    return in.ok();
}

bool get_all_seconds(std::string_view seconds, std::vector<std::int64_t>& lead,
                     std::vector<std::int64_t>& restore, RowExtras& extras) {
    bytes::Reader in(seconds);
    return get_seconds(in, lead) && get_seconds(in, restore) && get_extras(in, extras) && in.done();
}

// `key` is a tr_deploy_time key under `prefix`.
std::optional<DeployIndexRow> decode_row(std::string_view prefix, std::string_view key,
                                         std::string_view value) {
    if (key.size() != prefix.size() + 16) return std::nullopt;
    auto parts = split_row(value);
    if (!parts) return std::nullopt;
    DeployIndexRow row;
    row.deployed_at = time_from_bits(bytes::decode_u64_be(key.substr(prefix.size())));
    row.seq = bytes::decode_u64_be(key.substr(prefix.size() + 8));
    row.status = static_cast<DeployStatus>(parts->status);
    row.failure = static_cast<Failure>(parts->failure);
    row.sha_seen_before = parts->sha_seen_before;
    row.sha = std::string(parts->sha);
    row.first_shipped.assign(parts->commits, '\0');
    for (std::size_t i = 0; i < parts->commits; ++i)
        if ((static_cast<unsigned char>(parts->first_shipped_bits[i / 8]) >> (i % 8)) & 1U)
            row.first_shipped[i] = '\1';
    if (!get_all_seconds(parts->seconds, row.lead_seconds, row.restore_seconds, row.extras))
        return std::nullopt;
    return row;
}

Error corrupt_index() {
    return Error{ErrorCode::store, "a deploy index row does not decode (run shiplog reindex)"};
}

DeployView context_view(std::string_view deployment, std::string_view environment,
                        const DeployIndexRow& row) {
    DeployView v;
    v.deployment = std::string(deployment);
    v.environment = std::string(environment);
    v.seq = row.seq;
    v.sha = row.sha;
    v.deployed_at = row.deployed_at;
    v.status = row.status;
    v.failure = row.status == DeployStatus::failed ? Failure::failed : Failure::none;
    return v;
}

}  // namespace

std::uint64_t time_bits(Timestamp t) {
    return static_cast<std::uint64_t>(t.time_since_epoch().count()) ^ k_sign;
}

Timestamp time_from_bits(std::uint64_t bits) {
    return Timestamp{std::chrono::nanoseconds{static_cast<std::int64_t>(bits ^ k_sign)}};
}

namespace {
std::int64_t whole_seconds(Timestamp from, Timestamp to) {
    if (to <= from) return 0;
    return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}
}  // namespace

PullRequestSeconds pull_request_seconds(const PullRequestView& pr, Timestamp deployed_at) {
    PullRequestSeconds s;
    if (pr.first_commit_at) s.coding = whole_seconds(*pr.first_commit_at, pr.created_at);
    const Timestamp first_review = pr.first_review_at.value_or(pr.merged_at);
    s.pickup = whole_seconds(pr.created_at, first_review);
    s.review = whole_seconds(first_review, pr.merged_at);
    s.deploy = whole_seconds(pr.merged_at, deployed_at);
    return s;
}

DeployIndexRow SeriesIndexer::add(const DeployView& v) {
    DeployIndexRow row{v.deployed_at, v.seq, v.status, v.sha, std::string(v.commits.size(), '\0'),
                       v.failure,     false, {},       {},    {}};
    row.extras.batch = v.batch;
    row.extras.rework = v.rework;
    auto seconds_between = whole_seconds;
    if (v.status == DeployStatus::failed) {
        m_failed_since.push_back(v.deployed_at);
        return row;
    }
    // Failed deploys are restored by the next succeeded deploy.
    for (auto failed_at : m_failed_since)
        row.restore_seconds.push_back(seconds_between(failed_at, v.deployed_at));
    m_failed_since.clear();
    for (std::size_t i = 0; i < v.commits.size(); ++i) {
        const auto& c = v.commits[i];
        if (!m_commits_new) {
            if (!m_shipped.insert(c.sha).second) continue;
            if (m_shipped_before && m_shipped_before(c.sha)) continue;
        }
        row.first_shipped[i] = '\1';
        if (const auto start = c.lead_from ? c.lead_from : c.authored_at)
            row.lead_seconds.push_back(seconds_between(*start, v.deployed_at));
        if (!c.via_pull_request) ++row.extras.direct_commits;
    }
    for (const auto& pr : v.pull_requests)
        for (std::size_t i = 0; i < v.commits.size(); ++i)
            if (v.commits[i].sha == pr.merge_sha && row.first_shipped[i] != '\0')
                row.extras.pull_requests.push_back(pull_request_seconds(pr, v.deployed_at));
    const std::size_t index = m_succeeded_at.size();
    m_succeeded_at.push_back(v.deployed_at);
    if (v.sha.empty()) return row;
    // A rollback: failed since the first succeeded deploy after the last one
    // of this sha.
    auto seen = m_last_of_sha.find(v.sha);
    if (seen != m_last_of_sha.end()) {
        row.sha_seen_before = true;
        if (m_previous_sha && *m_previous_sha != v.sha && seen->second + 1 < index)
            row.restore_seconds.push_back(
                seconds_between(m_succeeded_at[seen->second + 1], v.deployed_at));
        seen->second = index;
    } else {
        // Seen only before the derivation's start: never a rollback there
        // (recompute starts before any rollback's target), only "seen".
        row.sha_seen_before = m_sha_seen_before && m_sha_seen_before(v.sha);
        m_last_of_sha.emplace(v.sha, index);
    }
    m_previous_sha = v.sha;
    return row;
}

std::string position(Timestamp t, std::uint64_t seq) {
    std::string pos;
    bytes::put_u64_be(pos, time_bits(t));
    bytes::put_u64_be(pos, seq);
    return pos;
}

std::string index_time_key(std::string_view prefix, Timestamp t, std::uint64_t seq) {
    return time_key(prefix, t, seq);
}
std::string index_sha_key(std::string_view prefix, std::string_view sha, Timestamp t,
                          std::uint64_t seq) {
    return sha_key(prefix, sha, t, seq);
}
std::string index_blame_key(std::string_view prefix, const IncidentView& incident) {
    return blame_key(prefix, incident);
}
std::string encode_index_row(const DeployIndexRow& row) {
    return encode_row(row);
}
std::string encode_blamed_incident(const IncidentView& incident) {
    return encode(incident);
}

Result<std::vector<DeployIndexRow>> rows_from(lmdb::txn& txn, const Tables& t,
                                              std::string_view prefix, std::string_view from) {
    std::vector<DeployIndexRow> rows;
    Cursor c(txn, t.deploy_time);
    const std::string start = std::string(prefix) + std::string(from);
    for (bool ok = c.seek(start); ok && starts_with(c.key(), prefix); ok = c.next()) {
        auto row = decode_row(prefix, c.key(), c.value());
        if (!row) return tl::unexpected(corrupt_index());
        rows.push_back(std::move(*row));
    }
    if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    return rows;
}

Result<RowsBefore> rows_before(lmdb::txn& txn, const Tables& t, std::string_view prefix,
                               std::string_view from) {
    RowsBefore out;
    if (from.empty()) return out;
    Cursor c(txn, t.deploy_time);
    const std::string start = std::string(prefix) + std::string(from);
    for (bool ok = c.before(start); ok && starts_with(c.key(), prefix); ok = c.prev()) {
        auto row = decode_row(prefix, c.key(), c.value());
        if (!row) return tl::unexpected(corrupt_index());
        if (row->status == DeployStatus::failed) {
            if (!out.last_succeeded) out.failed_since.push_back(row->deployed_at);
            continue;
        }
        const bool has_sha = !row->sha.empty();
        if (has_sha) out.previous_sha = row->sha;
        if (!out.last_succeeded) out.last_succeeded = std::move(*row);
        if (has_sha) break;
    }
    if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    std::reverse(out.failed_since.begin(), out.failed_since.end());
    return out;
}

Result<std::optional<Timestamp>> first_succeeded_row(lmdb::txn& txn, const Tables& t,
                                                     std::string_view prefix,
                                                     std::string_view before) {
    using Out = std::optional<Timestamp>;
    Cursor c(txn, t.deploy_time);
    const std::string end = std::string(prefix) + std::string(before);
    for (bool ok = c.seek(prefix); ok && starts_with(c.key(), prefix) && c.key() < end;
         ok = c.next()) {
        if (c.key().size() != prefix.size() + 16) return tl::unexpected(corrupt_index());
        auto parts = split_row(c.value());
        if (!parts) return tl::unexpected(corrupt_index());
        if (parts->status == static_cast<std::uint8_t>(DeployStatus::succeeded))
            return Out{time_from_bits(bytes::decode_u64_be(c.key().substr(prefix.size())))};
    }
    if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    return Out{};
}

Result<std::optional<std::string>> last_position_of_sha(lmdb::txn& txn, const Tables& t,
                                                        std::string_view prefix,
                                                        std::string_view sha,
                                                        std::string_view before) {
    using Out = std::optional<std::string>;
    std::string sha_prefix(prefix);
    sha_prefix.append(sha);
    sha_prefix.push_back('\0');
    Cursor c(txn, t.deploy_shas);
    if (!c.before(sha_prefix + std::string(before)) || !starts_with(c.key(), sha_prefix) ||
        c.key().size() != sha_prefix.size() + 16) {
        if (auto s = c.status("read deploy sha index"); !s) return tl::unexpected(s.error());
        return Out{};
    }
    return Out{std::string(c.key().substr(sha_prefix.size()))};
}

Status put_index_row(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                     std::string_view environment, const DeployIndexRow& row) {
    const std::string prefix = deploy_prefix(deployment, environment);
    if (auto s =
            put(txn, t.deploy_time, time_key(prefix, row.deployed_at, row.seq), encode_row(row));
        !s)
        return s;
    if (row.status == DeployStatus::succeeded && !row.sha.empty())
        return put(txn, t.deploy_shas, sha_key(prefix, row.sha, row.deployed_at, row.seq), {});
    return {};
}

Status put_blamed_incident(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                           std::string_view environment, const IncidentView& incident) {
    if (!incident.restored_at) return {};
    const std::string prefix = deploy_prefix(deployment, environment);
    return put(txn, t.incident_blame, blame_key(prefix, incident), encode(incident));
}

Result<WindowInputs> window_inputs(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                                   std::string_view environment, Timestamp since, Timestamp until) {
    WindowInputs out;
    if (!t.present) return out;
    const std::string prefix = deploy_prefix(deployment, environment);
    const std::string start = time_key(prefix, since, 0);
    const std::string end = time_key(prefix, until, 0);

    // The window's rows, oldest first.
    std::vector<DeployIndexRow> rows;
    {
        Cursor c(txn, t.deploy_time);
        for (bool ok = c.seek(start); ok && c.key() < end; ok = c.next()) {
            auto row = decode_row(prefix, c.key(), c.value());
            if (!row) return tl::unexpected(corrupt_index());
            rows.push_back(std::move(*row));
        }
        if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    }

    // Context before the window, keyed by time key so each deploy is added once.
    std::map<std::string, DeployIndexRow> context;
    std::optional<std::string> previous_sha;
    {
        // Failed deploys just before the window (a succeeded deploy in the
        // window restores them), back to the latest succeeded one; then the
        // latest succeeded deploy with a known sha (the previous sha).
        Cursor c(txn, t.deploy_time);
        bool succeeded_seen = false;
        for (bool ok = c.before(start); ok && starts_with(c.key(), prefix); ok = c.prev()) {
            auto row = decode_row(prefix, c.key(), c.value());
            if (!row) return tl::unexpected(corrupt_index());
            if (row->status == DeployStatus::failed) {
                if (!succeeded_seen) context.emplace(std::string(c.key()), std::move(*row));
                continue;
            }
            succeeded_seen = true;
            if (row->sha.empty()) continue;
            previous_sha = row->sha;
            context.emplace(std::string(c.key()), std::move(*row));
            break;
        }
        if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    }

    // Rollbacks in the window: the latest earlier succeeded deploy of the same
    // sha, and the first succeeded deploy after it (the failure's start).
    for (const auto& row : rows) {
        if (row.status != DeployStatus::succeeded || row.sha.empty()) continue;
        const bool rollback_candidate =
            row.sha_seen_before && previous_sha && *previous_sha != row.sha;
        previous_sha = row.sha;
        if (!rollback_candidate) continue;
        const std::string sha_prefix = prefix + row.sha + std::string(1, '\0');
        Cursor shas(txn, t.deploy_shas);
        if (!shas.before(sha_key(prefix, row.sha, row.deployed_at, row.seq)) ||
            !starts_with(shas.key(), sha_prefix) || shas.key().size() != sha_prefix.size() + 16) {
            if (auto s = shas.status("read deploy sha index"); !s) return tl::unexpected(s.error());
            continue;  // not a rollback: the sha was never deployed before
        }
        const std::string seen_key = prefix + std::string(shas.key().substr(sha_prefix.size()));
        if (seen_key >= start) continue;  // all of it is inside the window
        Cursor c(txn, t.deploy_time);
        for (bool ok = c.seek(seen_key); ok && starts_with(c.key(), prefix); ok = c.next()) {
            auto found = decode_row(prefix, c.key(), c.value());
            if (!found) return tl::unexpected(corrupt_index());
            const bool is_seen = c.key() == seen_key;
            if (!is_seen && c.key() >= start) break;
            if (is_seen || found->status == DeployStatus::succeeded) {
                context.emplace(std::string(c.key()), std::move(*found));
                if (!is_seen) break;
            }
        }
        if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    }

    out.deploys.reserve(context.size() + rows.size());
    for (const auto& [key, row] : context)
        out.deploys.push_back(context_view(deployment, environment, row));
    for (const auto& row : rows) {
        auto bytes = get(txn, t.deploys, deploy_key(deployment, environment, row.seq));
        if (!bytes) return tl::unexpected(bytes.error());
        if (!*bytes) return tl::unexpected(corrupt_index());
        auto view = decode_deploy(**bytes);
        if (!view) return tl::unexpected(view.error());
        if (view->commits.size() != row.first_shipped.size())
            return tl::unexpected(corrupt_index());
        // Only what compute_dora reads: a long window holds many deploys.
        std::vector<CommitView> first;
        for (std::size_t i = 0; i < view->commits.size(); ++i)
            if (row.first_shipped[i] != '\0')
                first.push_back(CommitView{std::move(view->commits[i].sha),
                                           {},
                                           {},
                                           view->commits[i].authored_at,
                                           {},
                                           view->commits[i].lead_from,
                                           view->commits[i].via_pull_request});
        view->commits = std::move(first);
        view->work_items.clear();
        view->pending.clear();
        out.deploys.push_back(std::move(*view));
    }

    // Incidents blamed on this series and restored in the window.
    auto incidents = restored_incidents(txn, t, deployment, environment, since, until);
    if (!incidents) return tl::unexpected(incidents.error());
    out.incidents = std::move(*incidents);
    return out;
}

Status scan_window_rows(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                        std::string_view environment, Timestamp since, Timestamp until,
                        const std::function<void(const RowFigures&)>& each) {
    if (!t.present) return {};
    const std::string prefix = deploy_prefix(deployment, environment);
    const std::string start = time_key(prefix, since, 0);
    const std::string end = time_key(prefix, until, 0);
    Cursor c(txn, t.deploy_time);
    RowFigures figures;
    for (bool ok = c.seek(start); ok && c.key() < end; ok = c.next()) {
        const auto key = c.key();
        auto parts = key.size() == prefix.size() + 16 ? split_row(c.value()) : std::nullopt;
        if (!parts) return tl::unexpected(corrupt_index());
        figures.deployed_at = time_from_bits(bytes::decode_u64_be(key.substr(prefix.size())));
        figures.status = static_cast<DeployStatus>(parts->status);
        figures.failure = static_cast<Failure>(parts->failure);
        if (!get_all_seconds(parts->seconds, figures.lead_seconds, figures.restore_seconds,
                             figures.extras))
            return tl::unexpected(corrupt_index());
        each(figures);
    }
    return c.status("read deploy index");
}

Result<std::vector<IncidentView>> restored_incidents(lmdb::txn& txn, const Tables& t,
                                                     std::string_view deployment,
                                                     std::string_view environment, Timestamp since,
                                                     Timestamp until) {
    std::vector<IncidentView> out;
    if (!t.present) return out;
    const std::string prefix = deploy_prefix(deployment, environment);
    Cursor c(txn, t.incident_blame);
    std::string from(prefix), to(prefix);
    bytes::put_u64_be(from, time_bits(since));
    bytes::put_u64_be(to, time_bits(until));
    for (bool ok = c.seek(from); ok && c.key() < to; ok = c.next()) {
        auto incident = decode<IncidentView>(c.value());
        if (!incident) return tl::unexpected(corrupt_index());
        out.push_back(std::move(*incident));
    }
    if (auto s = c.status("read incident index"); !s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<DeployIndexRow>> newest_rows(lmdb::txn& txn, const Tables& t,
                                                std::string_view deployment,
                                                std::string_view environment, std::size_t limit) {
    std::vector<DeployIndexRow> rows;
    if (!t.present) return rows;
    const std::string prefix = deploy_prefix(deployment, environment);
    // Just past every key of the prefix: the separator '\0' becomes '\1'.
    std::string after = prefix;
    after.back() = '\1';
    Cursor c(txn, t.deploy_time);
    for (bool ok = c.before(after); ok && starts_with(c.key(), prefix); ok = c.prev()) {
        if (limit != 0 && rows.size() >= limit) break;
        auto row = decode_row(prefix, c.key(), c.value());
        if (!row) return tl::unexpected(corrupt_index());
        rows.push_back(std::move(*row));
    }
    if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    return rows;
}

Result<std::vector<std::pair<std::string, std::string>>> indexed_series(lmdb::txn& txn,
                                                                        const Tables& t) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!t.present) return out;
    Cursor c(txn, t.deploy_time);
    for (bool ok = c.first(); ok;) {
        const auto key = c.key();
        if (key.size() < 18) return tl::unexpected(corrupt_index());
        const auto prefix = key.substr(0, key.size() - 16);  // deployment \0 environment \0
        const auto split = prefix.find('\0');
        if (split == std::string_view::npos || split + 1 >= prefix.size())
            return tl::unexpected(corrupt_index());
        out.emplace_back(std::string(prefix.substr(0, split)),
                         std::string(prefix.substr(split + 1, prefix.size() - split - 2)));
        std::string after(prefix);
        after.back() = '\1';
        ok = c.seek(after);
    }
    if (auto s = c.status("read deploy index"); !s) return tl::unexpected(s.error());
    return out;
}

}  // namespace shiplog::tracking::detail
