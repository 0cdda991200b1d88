// Applying the work queue's answers: they become facts exactly like the
// hook payloads they complete, so recompute needs no network and reindex
// reproduces live ingestion.
#include "work_queue/lookup_ingest.hpp"

#include "common/time_format.hpp"
#include "handlers/build_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/work_item_refs.hpp"
#include "projection/commit_facts.hpp"
#include "records/facts.hpp"
#include "tracking/lookup_records.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking::detail {

namespace {

using Dirty = std::set<std::pair<std::string, std::string>>;

std::string range_key(std::string_view repo, std::string_view from, std::string_view to) {
    return KeyBuilder().str(repo).str(from).str(to).bytes();
}

Status apply_build(lmdb::txn& txn, const Tables& t, const config::Config& config,
                   std::string_view raw, Dirty& dirty, std::uint64_t seq) {
    auto answer = parse_build_lookup_record(raw);
    if (!answer) return {};
    const std::string key = KeyBuilder().u64(static_cast<std::uint64_t>(answer->run_id)).bytes();
    auto existing = get(txn, t.builds, key);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) {
        // No definition name: marks a look-up answer, which the build.complete
        // delivery (when it comes) replaces with the full fact.
        BuildFact fact;
        fact.seq = seq;
        fact.project = answer->project;
        fact.branch = answer->branch;
        fact.sha = answer->sha;
        fact.result = static_cast<std::uint8_t>(handlers::BuildResult::other);  // not needed
        if (auto s = put(txn, t.builds, key, encode(fact)); !s) return s;
    }
    for (const auto& d : config.deployments)
        if (d.trigger == config::Trigger::stage && iequals(d.project, answer->project))
            dirty.emplace(d.name, d.environment);
    return complete(txn, t, make_build_lookup(answer->project, answer->run_id, {}).key);
}

Status apply_range(lmdb::txn& txn, const Tables& t, const config::Config& config,
                   std::string_view raw, std::uint64_t seq, SortedRows* deferred, Dirty& dirty) {
    auto answer = parse_commit_range_record(raw);
    if (!answer) return {};
    const std::string key = range_key(answer->repo, answer->from, answer->to);
    if (key.size() > k_max_key_bytes) return {};
    for (std::size_t i = 0; i < answer->commits.size(); ++i) {
        const auto& c = answer->commits[i];
        CommitFact commit;
        commit.first_seq = seq;
        commit.first_index = i;
        commit.author_name = c.author_name;
        commit.author_email = c.author_email;
        if (auto when = parse_rfc3339(c.author_date)) commit.authored_at = *when;
        commit.summary = c.comment.substr(0, c.comment.find_first_of("\r\n"));
        commit.comment_truncated = c.comment_truncated;
        commit.work_item_refs = handlers::extract_work_item_ids(c.comment);
        auto stored = store_commit(txn, t, deferred,
                                   KeyBuilder().str(answer->repo).str(c.sha).bytes(), commit);
        if (!stored) return tl::unexpected(stored.error());
    }
    auto existing = get(txn, t.commit_ranges, key);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) {
        std::vector<std::string> shas;
        for (const auto& c : answer->commits) shas.push_back(c.sha);
        if (auto s = put(txn, t.commit_ranges, key, encode(shas)); !s) return s;
    }
    for (const auto& d : config.deployments)
        if (repo_key(d.project, d.repository) == answer->repo) dirty.emplace(d.name, d.environment);
    return complete(txn, t, make_commits_between(answer->repo, answer->from, answer->to, {}).key);
}

// A classic release's sha, like the `shiplog.release_artifact` record: the
// first answer for a release wins; the look-up item is done.
Status apply_release(lmdb::txn& txn, const Tables& t, const config::Config& config,
                     std::string_view raw, Dirty& dirty) {
    auto answer = parse_release_lookup_record(raw);
    if (!answer) return {};
    const std::string key =
        KeyBuilder().u64(static_cast<std::uint64_t>(answer->release_id)).bytes();
    auto existing = get(txn, t.release_shas, key);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing)
        if (auto s = put(txn, t.release_shas, key, answer->sha); !s) return s;
    for (const auto& d : config.deployments)
        if (d.trigger == config::Trigger::release && iequals(d.project, answer->project))
            dirty.emplace(d.name, d.environment);
    return complete(txn, t,
                    make_release_artifact_lookup(answer->project, answer->release_id, {}).key);
}

Status apply_failure(lmdb::txn& txn, const Tables& t, std::string_view raw) {
    auto failure = parse_lookup_failed_record(raw);
    if (!failure) return {};
    return mark_failed(txn, t, failure->key, failure->reason);
}

}  // namespace

bool is_lookup_record(std::string_view type) {
    return type == k_build_lookup_event_type || type == k_commit_range_event_type ||
           type == k_release_lookup_event_type || type == k_lookup_failed_event_type;
}

Status ingest_lookup_record(lmdb::txn& txn, const Tables& t, const config::Config& config,
                            const storage::JournalEntry& entry, SortedRows* deferred,
                            Dirty& dirty) {
    const std::string_view type = entry.event_type;
    if (type == k_build_lookup_event_type)
        return apply_build(txn, t, config, entry.raw, dirty, entry.seq);
    if (type == k_commit_range_event_type)
        return apply_range(txn, t, config, entry.raw, entry.seq, deferred, dirty);
    if (type == k_release_lookup_event_type) return apply_release(txn, t, config, entry.raw, dirty);
    if (type == k_lookup_failed_event_type) return apply_failure(txn, t, entry.raw);
    return {};
}

Result<std::optional<std::vector<std::string>>> answered_range(lmdb::txn& txn, const Tables& t,
                                                               std::string_view repo,
                                                               std::string_view from,
                                                               std::string_view to) {
    using Out = std::optional<std::vector<std::string>>;
    if (!t.present) return Out{};
    const std::string key = range_key(repo, from, to);
    if (key.size() > k_max_key_bytes) return Out{};
    auto value = get(txn, t.commit_ranges, key);
    if (!value) return tl::unexpected(value.error());
    if (!*value) return Out{};
    auto shas = decode<std::vector<std::string>>(**value);
    if (!shas) return fail(ErrorCode::store, "a stored commit range does not decode");
    return Out{std::move(*shas)};
}

}  // namespace shiplog::tracking::detail
