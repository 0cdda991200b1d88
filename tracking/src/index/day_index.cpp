// tr_deploy_days: per series and UTC day, what metrics needs of the day's
// tr_deploy_time rows (deploy_index.hpp), so that a long window reads one row
// per day instead of one per deploy, and medians stay exact.
#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "index/deploy_index.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"

namespace shiplog::tracking::detail {

namespace {

using std::chrono::days;

// Little-endian fixed width, so that the k-th value is found without decoding.
void put_fixed(std::string& out, std::int64_t v, unsigned width) {
    auto u = static_cast<std::uint64_t>(v);
    for (unsigned i = 0; i < width; ++i) {
        out.push_back(static_cast<char>(u & 0xffU));
        u >>= 8;
    }
}

struct DayTotals {
    std::uint64_t succeeded = 0;
    std::uint64_t changes = 0;
    std::uint64_t failed_changes = 0;
    std::uint64_t rework = 0;
    std::uint64_t direct_commits = 0;
    std::uint64_t batch_sizes[4] = {0, 0, 0, 0};
    std::vector<std::int64_t> lead, restore, batch_commits, coding, pickup, review, deploy;

    // The arrays in their order in the row.
    std::vector<std::int64_t>* arrays[7] = {&lead,   &restore, &batch_commits, &coding,
                                            &pickup, &review,  &deploy};

    DayTotals() = default;
    DayTotals(const DayTotals&) = delete;  // `arrays` points into this value
    DayTotals& operator=(const DayTotals&) = delete;

    void add_succeeded(const RowFigures& row) {
        ++succeeded;
        lead.insert(lead.end(), row.lead_seconds.begin(), row.lead_seconds.end());
        restore.insert(restore.end(), row.restore_seconds.begin(), row.restore_seconds.end());
        const auto& x = row.extras;
        if (x.rework != Rework::none) ++rework;
        direct_commits += static_cast<std::uint64_t>(x.direct_commits);
        batch_commits.push_back(x.batch.commits);
        ++batch_sizes[batch_size_bucket(x.batch.commits)];
        for (const auto& p : x.pull_requests) {
            if (p.coding) coding.push_back(*p.coding);
            pickup.push_back(p.pickup);
            review.push_back(p.review);
            deploy.push_back(p.deploy);
        }
    }
    void clear() {
        succeeded = changes = failed_changes = rework = direct_commits = 0;
        for (auto& n : batch_sizes) n = 0;
        for (auto* a : arrays) a->clear();
    }
    std::string encode() {
        bool fits = true;
        std::size_t values = 0;
        for (auto* a : arrays) {
            std::sort(a->begin(), a->end());
            fits = fits && (a->empty() || (a->front() >= 0 && a->back() <= 0xffffffffLL));
            values += a->size();
        }
        // Lead times under 136 years fit 4 bytes: half the pages to read.
        const unsigned width = fits ? 4 : 8;
        std::string out;
        out.reserve(64 + width * values);
        for (auto v :
             {succeeded, changes, failed_changes, std::uint64_t{lead.size()},
              std::uint64_t{restore.size()}, rework, direct_commits, std::uint64_t{pickup.size()}})
            bytes::put_varint(out, v);
        for (auto n : batch_sizes) bytes::put_varint(out, n);
        bytes::put_varint(out, coding.size());
        out.push_back(static_cast<char>(width));
        for (auto* a : arrays)
            for (auto v : *a) put_fixed(out, v, width);
        return out;
    }
};

std::string day_key(std::string_view prefix, Timestamp day_start) {
    std::string key(prefix);
    bytes::put_u64_be(key, time_bits(day_start));
    return key;
}

Error corrupt_days() {
    return Error{ErrorCode::store, "a deploy day row does not decode (run shiplog reindex)"};
}

}  // namespace

Timestamp utc_day_start(Timestamp t) {
    return std::chrono::floor<days>(t);
}

std::int64_t SortedSeconds::at(std::size_t i) const {
    if (native != nullptr) return native[i];
    const unsigned char* p = bytes + i * width;
    std::uint64_t u = 0;
    for (unsigned b = width; b-- > 0;) u = (u << 8) | p[b];
    return static_cast<std::int64_t>(u);  // 4-byte values are never negative
}

Status rebuild_days(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                    std::string_view environment, std::string_view from) {
    const std::string prefix = deploy_prefix(deployment, environment);
    std::optional<Timestamp> start;
    if (from.size() >= 8) start = utc_day_start(time_from_bits(bytes::decode_u64_be(from)));
    const std::string first_key = start ? day_key(prefix, *start) : prefix;

    std::set<std::string> written;
    std::optional<Error> failure;
    DayTotals day;
    std::optional<Timestamp> current;
    auto emit = [&] {
        if (!current || failure) return;
        std::string key = day_key(prefix, *current);
        const std::string bytes = day.encode();
        auto existing = get(txn, t.deploy_days, key);
        if (!existing) {
            failure = existing.error();
            return;
        }
        if (!*existing || **existing != bytes)
            if (auto s = put(txn, t.deploy_days, key, bytes); !s) failure = s.error();
        written.insert(std::move(key));
        day.clear();
    };
    auto add_row = [&](const RowFigures& row) {
        const Timestamp day_of_row = utc_day_start(row.deployed_at);
        if (current && *current != day_of_row) emit();
        current = day_of_row;
        ++day.changes;
        if (row.failure != Failure::none) ++day.failed_changes;
        if (row.status == DeployStatus::succeeded) day.add_succeeded(row);
    };
    const Timestamp since = start.value_or(
        Timestamp{std::chrono::nanoseconds{std::numeric_limits<std::int64_t>::min()}});
    auto scanned =
        scan_window_rows(txn, t, deployment, environment, since, Timestamp::max(), add_row);
    if (!scanned) return scanned;
    emit();
    if (failure) return tl::unexpected(*failure);

    // Days that no longer have a row.
    std::vector<std::string> stale;
    auto old = scan_prefix_from(txn, t.deploy_days, prefix, first_key,
                                [&](std::string_view k, std::string_view) {
                                    if (!written.contains(std::string(k))) stale.emplace_back(k);
                                    return true;
                                });
    if (!old) return old;
    for (const auto& key : stale)
        if (auto s = del(txn, t.deploy_days, key); !s) return s;
    return {};
}

// Strict and bounded: the arrays must fill the rest of the value exactly.
bool decode_day_row(std::string_view v, DayFigures& f) {
    bytes::Reader in(v);
    f.succeeded = in.varint();
    f.changes = in.varint();
    f.failed_changes = in.varint();
    const std::uint64_t leads = in.varint();
    const std::uint64_t restores = in.varint();
    f.rework = in.varint();
    f.direct_commits = in.varint();
    f.pull_requests = in.varint();
    for (auto& n : f.batch_sizes) n = in.varint();
    const std::uint64_t codings = in.varint();
    const unsigned width = in.u8();
    if (!in.ok() || (width != 4 && width != 8)) return false;
    std::uint64_t sized = 0;
    for (auto n : f.batch_sizes) {
        if (n > v.size()) return false;
        sized += n;
    }
    const std::uint64_t counts[7] = {leads,           restores,        f.succeeded,    codings,
                                     f.pull_requests, f.pull_requests, f.pull_requests};
    std::uint64_t values = 0;
    for (auto n : counts) {
        if (n > v.size()) return false;
        values += n;
    }
    if (values * width != in.remaining() || sized != f.succeeded || f.rework > f.succeeded ||
        codings > f.pull_requests)
        return false;
    const auto* data = reinterpret_cast<const unsigned char*>(v.data()) + in.offset();
    SortedSeconds* arrays[7] = {&f.lead,   &f.restore, &f.batch_commits, &f.coding,
                                &f.pickup, &f.review,  &f.deploy};
    for (int i = 0; i < 7; ++i) {
        *arrays[i] = SortedSeconds{data, nullptr, static_cast<std::size_t>(counts[i]), width};
        data += counts[i] * width;
    }
    return true;
}

int batch_size_bucket(std::int64_t commits) {
    if (commits <= 5) return 0;
    if (commits <= 20) return 1;
    if (commits <= 100) return 2;
    return 3;
}

Status scan_days(lmdb::txn& txn, const Tables& t, std::string_view deployment,
                 std::string_view environment, Timestamp first_day, Timestamp end_day,
                 const std::function<void(const DayFigures&)>& each) {
    if (!t.present) return {};
    const std::string prefix = deploy_prefix(deployment, environment);
    const std::string end = day_key(prefix, end_day);
    std::optional<Error> failure;
    DayFigures figures;
    auto scanned = scan_prefix_from(
        txn, t.deploy_days, prefix, day_key(prefix, first_day),
        [&](std::string_view k, std::string_view v) {
            if (k >= end) return false;
            if (k.size() != prefix.size() + 8 || !decode_day_row(v, figures)) {
                failure = corrupt_days();
                return false;
            }
            figures.day =
                utc_day_start(time_from_bits(bytes::decode_u64_be(k.substr(prefix.size()))));
            each(figures);
            return true;
        });
    if (!scanned) return scanned;
    if (failure) return tl::unexpected(*failure);
    return {};
}

std::int64_t kth_smallest(const std::vector<SortedSeconds>& arrays, std::uint64_t k) {
    // Binary search on the value: the answer is the least v with at least k
    // values <= v. Each array keeps the index range still undecided, so later
    // rounds search ever smaller ranges.
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = std::numeric_limits<std::int64_t>::min();
    struct Range {
        std::size_t below = 0;  // values before it are < lo
        std::size_t end = 0;    // values from it on are > hi
    };
    std::vector<Range> ranges(arrays.size());
    for (std::size_t i = 0; i < arrays.size(); ++i) {
        ranges[i].end = arrays[i].count;
        if (arrays[i].count == 0) continue;
        lo = std::min(lo, arrays[i].at(0));
        hi = std::max(hi, arrays[i].at(arrays[i].count - 1));
    }
    // Counts of values <= v among the undecided ranges.
    std::vector<std::size_t> split(arrays.size());
    while (lo < hi) {
        const std::int64_t mid =
            lo + static_cast<std::int64_t>(
                     (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)) / 2);
        std::uint64_t at_most = 0;
        for (std::size_t i = 0; i < arrays.size(); ++i) {
            std::size_t a = ranges[i].below, b = ranges[i].end;
            while (a < b) {  // first index with a value > mid
                const std::size_t m = a + (b - a) / 2;
                if (arrays[i].at(m) <= mid)
                    a = m + 1;
                else
                    b = m;
            }
            split[i] = a;
            at_most += a;
        }
        if (at_most >= k) {
            hi = mid;
            for (std::size_t i = 0; i < arrays.size(); ++i) ranges[i].end = split[i];
        } else {
            lo = mid + 1;
            for (std::size_t i = 0; i < arrays.size(); ++i) ranges[i].below = split[i];
        }
    }
    return lo;
}

}  // namespace shiplog::tracking::detail
