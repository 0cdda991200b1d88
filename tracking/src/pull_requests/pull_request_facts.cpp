#include "pull_requests/pull_request_facts.hpp"

#include <algorithm>
#include <tuple>

#include "common/event_kind.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/relevance.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"

namespace shiplog::tracking::detail {

namespace {

void keep_min(std::optional<Timestamp>& slot, Timestamp t) {
    if (!slot || t < *slot) slot = t;
}

void keep_min(std::map<std::string, Timestamp>& slots, const std::string& key, Timestamp t) {
    auto [it, inserted] = slots.try_emplace(key, t);
    if (!inserted && t < it->second) it->second = t;
}

// One observation of the pull request (a delivery's or REST's snapshot).
void fold_snapshot(PullRequestFact& f, const handlers::PullRequestEvent& pr, Timestamp observed_at,
                   bool votes_count) {
    const bool completed = pr.status == "completed";
    if (std::tie(completed, observed_at, pr.title, pr.source_ref, pr.target_ref) >
        std::tie(f.info_completed, f.info_at, f.title, f.source_ref, f.target_ref)) {
        f.info_completed = completed;
        f.info_at = observed_at;
        f.title = pr.title;
        f.source_ref = pr.source_ref;
        f.target_ref = pr.target_ref;
    }
    if (!pr.created_by.empty() && (f.author.empty() || pr.created_by < f.author))
        f.author = pr.created_by;
    if (pr.creation_date) keep_min(f.created_at, *pr.creation_date);
    if (pr.status == "abandoned") f.abandoned = true;
    if (completed && pr.closed_date && !pr.last_merge_commit.empty()) {
        if (!f.completed || std::tie(*pr.closed_date, pr.last_merge_commit,
                                     pr.last_merge_target_commit, pr.merge_strategy) <
                                std::tie(f.closed_at, f.merge_sha, f.target_sha, f.strategy)) {
            f.completed = true;
            f.closed_at = *pr.closed_date;
            f.merge_sha = pr.last_merge_commit;
            f.target_sha = pr.last_merge_target_commit;
            f.strategy = pr.merge_strategy;
        }
        for (const auto& c : pr.commits)
            if (c.author_date) keep_min(f.first_commit_at, *c.author_date);
    }
    if (votes_count)
        for (const auto& r : pr.reviewers)
            if (!r.is_container && r.vote != 0) keep_min(f.votes, r.id, observed_at);
}

void fold_comment(PullRequestFact& f, const handlers::PullRequestComment& c) {
    if (c.comment_type != "text" || c.author_id.empty() || !c.published_at) return;
    keep_min(f.comments, c.author_id, *c.published_at);
}

std::string merge_key(std::string_view repo, std::string_view sha, std::uint64_t id) {
    return KeyBuilder().str(repo).str(sha).u64(id).bytes();
}

}  // namespace

std::optional<Timestamp> first_review(const PullRequestFact& f) {
    if (!f.created_at || !f.completed) return std::nullopt;
    std::optional<Timestamp> first;
    auto consider = [&](const std::map<std::string, Timestamp>& moments) {
        for (const auto& [who, t] : moments) {
            if (who == f.author || t < *f.created_at || t > f.closed_at) continue;
            keep_min(first, t);
        }
    };
    consider(f.votes);
    consider(f.comments);
    return first;
}

Result<std::optional<PullRequestChange>> ingest_pull_request_entry(
    lmdb::txn& txn, const Tables& t, const config::Config& config,
    const storage::JournalEntry& entry) {
    using Out = std::optional<PullRequestChange>;
    const Timestamp observed_at = entry.created_date.value_or(entry.received_at);
    handlers::PullRequestEvent pr;
    std::vector<handlers::PullRequestComment> comments;
    std::optional<std::vector<handlers::PullRequestCommit>> own_commits;
    bool votes_count = false;
    if (event_kind_of(entry.event_type) == EventKind::pull_request_commented) {
        auto event = handlers::parse_pull_request_comment_event(entry.raw);
        if (!event) return Out{};
        pr = std::move(event->pull_request);
        comments.push_back(std::move(event->comment));
    } else if (entry.event_type == handlers::k_pull_request_record_type) {
        auto record = handlers::parse_pull_request_record(entry.raw);
        if (!record) return Out{};
        pr = std::move(record->pull_request);
        comments = std::move(record->comments);
        own_commits = std::move(record->commits);
        // REST shows today's votes, not when they were cast: only comments date a review.
        pr.reviewers.clear();
    } else {
        auto event = handlers::parse_pull_request_event(entry.raw);
        if (!event) return Out{};
        pr = std::move(*event);
        votes_count = entry.event_type == "git.pullrequest.updated";
    }
    if (pr.pull_request_id <= 0) return Out{};
    bool tracked = false;
    for (const auto& d : config.deployments)
        tracked = tracked || (iequals(d.project, pr.project_name) &&
                              iequals(d.repository, pr.repository_name));
    if (!tracked) return Out{};
    const std::string rk = repo_key(pr.project_name, pr.repository_name);
    if (rk.size() > 200) return Out{};

    const auto id = static_cast<std::uint64_t>(pr.pull_request_id);
    const std::string key = KeyBuilder().str(rk).u64(id).bytes();
    auto stored = get(txn, t.pull_requests, key);
    if (!stored) return tl::unexpected(stored.error());
    PullRequestFact old;
    if (*stored) {
        auto decoded = decode<PullRequestFact>(**stored);
        if (!decoded) return fail(ErrorCode::store, "a stored pull request does not decode");
        old = std::move(*decoded);
    }
    PullRequestFact fact = old;
    fold_snapshot(fact, pr, observed_at, votes_count);
    for (const auto& c : comments) fold_comment(fact, c);
    if (own_commits)
        for (const auto& c : *own_commits)
            if (c.author_date) keep_min(fact.first_commit_at, *c.author_date);
    std::string bytes = encode(fact);
    if (*stored && **stored == bytes) return Out{};  // nothing new (a redelivery)
    if (auto s = put(txn, t.pull_requests, key, bytes); !s) return tl::unexpected(s.error());

    PullRequestChange change;
    change.repo_key = rk;
    change.target_ref = fact.target_ref;
    if (old.merge_sha != fact.merge_sha) {
        if (!old.merge_sha.empty())
            if (auto s = del(txn, t.pr_merges, merge_key(rk, old.merge_sha, id)); !s)
                return tl::unexpected(s.error());
        if (auto s = put(txn, t.pr_merges, merge_key(rk, fact.merge_sha, id), ""); !s)
            return tl::unexpected(s.error());
        if (!old.merge_sha.empty()) change.merge_shas.push_back(old.merge_sha);
    }
    if (!fact.merge_sha.empty()) change.merge_shas.push_back(fact.merge_sha);
    return Out{std::move(change)};
}

Result<std::vector<PullRequestView>> pull_requests_merged_as(lmdb::txn& txn, const Tables& t,
                                                             std::string_view repo_key,
                                                             std::string_view ref,
                                                             std::string_view sha,
                                                             std::vector<std::string>* strategies) {
    std::vector<PullRequestView> out;
    std::vector<std::uint64_t> ids;
    const std::string prefix = KeyBuilder().str(repo_key).str(sha).sep().bytes();
    auto scanned = scan_prefix(txn, t.pr_merges, prefix, [&](std::string_view k, std::string_view) {
        if (k.size() == prefix.size() + 8)
            ids.push_back(bytes::decode_u64_be(k.substr(prefix.size())));
        return true;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    for (auto id : ids) {
        auto stored = get(txn, t.pull_requests, KeyBuilder().str(repo_key).u64(id).bytes());
        if (!stored) return tl::unexpected(stored.error());
        if (!*stored) continue;
        auto f = decode<PullRequestFact>(**stored);
        if (!f || !f->completed || f->merge_sha != sha || !f->created_at) continue;
        if (f->target_ref != ref) continue;  // only pull requests into the tracked branch
        PullRequestView v;
        v.id = static_cast<std::int64_t>(id);
        v.title = f->title;
        v.source_ref = f->source_ref;
        v.merge_sha = f->merge_sha;
        v.created_at = *f->created_at;
        v.first_review_at = first_review(*f);
        v.merged_at = f->closed_at;
        v.first_commit_at = f->first_commit_at;
        out.push_back(std::move(v));
        if (strategies) strategies->push_back(f->strategy);
    }
    return out;
}

}  // namespace shiplog::tracking::detail
