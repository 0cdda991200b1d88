#include "codec.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "common/time_format.hpp"

namespace shiplog::tracking::detail {

void append_u64_be(std::string& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((value >> shift) & 0xffU));
}

std::uint64_t read_u64_be(std::string_view bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i)
        value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
}

Writer& Writer::u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        m_out.push_back(static_cast<char>(v & 0xffU));
        v >>= 8;
    }
    return *this;
}

Writer& Writer::str(std::string_view s) {
    u64(s.size());
    m_out.append(s);
    return *this;
}

std::uint8_t Reader::u8() {
    if (!m_ok || m_in.size() - m_pos < 1) {
        m_ok = false;
        return 0;
    }
    return static_cast<std::uint8_t>(m_in[m_pos++]);
}

std::uint64_t Reader::u64() {
    if (!m_ok || m_in.size() - m_pos < 8) {
        m_ok = false;
        return 0;
    }
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(m_in[m_pos + static_cast<std::size_t>(i)]);
    m_pos += 8;
    return v;
}

std::string Reader::str() {
    const std::uint64_t size = u64();
    if (!m_ok || m_in.size() - m_pos < size) {
        m_ok = false;
        return {};
    }
    std::string s(m_in.substr(m_pos, size));
    m_pos += size;
    return s;
}

std::vector<std::string> Reader::strs() {
    const std::uint64_t n = u64();
    std::vector<std::string> v;
    for (std::uint64_t i = 0; i < n && m_ok; ++i) v.push_back(str());
    return v;
}

std::vector<std::int64_t> Reader::ints() {
    const std::uint64_t n = u64();
    std::vector<std::int64_t> v;
    for (std::uint64_t i = 0; i < n && m_ok; ++i) v.push_back(i64());
    return v;
}

std::string encode_deploy(const DeployView& d) {
    Writer w;
    w.str(d.deployment).str(d.environment).u64(d.seq).str(d.sha).time(d.deployed_at);
    w.u8(static_cast<std::uint8_t>(d.trigger)).u8(static_cast<std::uint8_t>(d.status));
    w.u8(static_cast<std::uint8_t>(d.failure)).boolean(d.commits_complete);
    w.u64(d.commits.size());
    for (const auto& c : d.commits)
        w.str(c.sha)
            .str(c.author_name)
            .str(c.author_email)
            .opt_time(c.authored_at)
            .str(c.summary)
            .opt_time(c.lead_from)
            .boolean(c.via_pull_request);
    w.ints(d.work_items).strs(d.incidents).strs(d.pending);
    w.u64(d.pull_requests.size());
    for (const auto& p : d.pull_requests)
        w.i64(p.id)
            .str(p.title)
            .str(p.source_ref)
            .str(p.merge_sha)
            .time(p.created_at)
            .opt_time(p.first_review_at)
            .time(p.merged_at)
            .opt_time(p.first_commit_at);
    w.i64(d.batch.commits).i64(d.batch.pull_requests).i64(d.batch.work_items);
    w.u8(static_cast<std::uint8_t>(d.rework));
    return w.take();
}

Result<DeployView> decode_deploy(std::string_view bytes) {
    Reader r(bytes);
    DeployView d;
    d.deployment = r.str();
    d.environment = r.str();
    d.seq = r.u64();
    d.sha = r.str();
    d.deployed_at = r.time();
    d.trigger = static_cast<config::Trigger>(r.u8());
    d.status = static_cast<DeployStatus>(r.u8());
    d.failure = static_cast<Failure>(r.u8());
    d.commits_complete = r.boolean();
    const std::uint64_t n = r.u64();
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        CommitView c;
        c.sha = r.str();
        c.author_name = r.str();
        c.author_email = r.str();
        c.authored_at = r.opt_time();
        c.summary = r.str();
        c.lead_from = r.opt_time();
        c.via_pull_request = r.boolean();
        d.commits.push_back(std::move(c));
    }
    d.work_items = r.ints();
    d.incidents = r.strs();
    d.pending = r.strs();
    const std::uint64_t prs = r.u64();
    for (std::uint64_t i = 0; i < prs && r.ok(); ++i) {
        PullRequestView p;
        p.id = r.i64();
        p.title = r.str();
        p.source_ref = r.str();
        p.merge_sha = r.str();
        p.created_at = r.time();
        p.first_review_at = r.opt_time();
        p.merged_at = r.time();
        p.first_commit_at = r.opt_time();
        d.pull_requests.push_back(std::move(p));
    }
    d.batch.commits = r.i64();
    d.batch.pull_requests = r.i64();
    d.batch.work_items = r.i64();
    d.rework = static_cast<Rework>(r.u8());
    if (!r.done()) return fail(ErrorCode::store, "a stored deploy record does not decode");
    return d;
}

std::string encode_queue_item(const QueueItem& item) {
    Writer w;
    w.str(item.kind).str(item.payload).u64(item.attempts).time(item.created_at);
    return w.take();
}

Result<QueueItem> decode_queue_item(std::string_view key, std::string_view bytes) {
    Reader r(bytes);
    QueueItem item;
    item.key = std::string(key);
    item.kind = r.str();
    item.payload = r.str();
    item.attempts = static_cast<std::uint32_t>(r.u64());
    item.created_at = r.time();
    if (!r.done())
        return fail(ErrorCode::store, "the work-queue item '" + item.key + "' does not decode");
    return item;
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(k_hex[c >> 4]);
                    out.push_back(k_hex[c & 0xf]);
                } else {
                    out.push_back(ch);
                }
        }
    }
    out.push_back('"');
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string format_rfc3339_nanos(Timestamp t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto nanos = (t - secs).count();
    std::string whole = format_rfc3339(secs);  // "...Z"
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
    whole.insert(whole.size() - 1, fraction);
    return whole;
}

}  // namespace shiplog::tracking::detail
