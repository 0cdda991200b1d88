#include "tracking/projector.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/event_kind.hpp"
#include "handlers/build_event.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"
#include "handlers/work_item_refs.hpp"
#include "index/deploy_index.hpp"
#include "notify/notify_events.hpp"
#include "projection/commit_facts.hpp"
#include "projection/external_incidents.hpp"
#include "projection/recompute.hpp"
#include "projection/sorted_rows.hpp"
#include "pull_requests/pull_request_facts.hpp"
#include "records/facts.hpp"
#include "tracking/impact.hpp"
#include "tracking/register_deploy.hpp"
#include "work_queue/lookup_ingest.hpp"

namespace shiplog::tracking {

using namespace detail;
using config::DeploymentConfig;
using config::Trigger;

namespace {

using Series = std::pair<std::string, std::string>;  // (deployment, environment)

// What an entry changed: series to re-derive from the start, and series to
// re-derive from a position on (the earliest deploy the change can affect).
struct Dirty {
    std::set<Series> all;
    std::map<Series, std::string> from;
};

void mark(Dirty& dirty, const DeploymentConfig& d) {
    dirty.all.emplace(d.name, d.environment);
}

void mark_at(Dirty& dirty, const DeploymentConfig& d, std::string pos) {
    auto [it, inserted] = dirty.from.try_emplace(Series{d.name, d.environment}, pos);
    if (!inserted && pos < it->second) it->second = std::move(pos);
}

std::string first_line(std::string_view message) {
    const auto end = message.find_first_of("\r\n");
    return std::string(message.substr(0, end));
}

// When the event says when it happened, that; else when we received it.
Timestamp event_time(const storage::JournalEntry& entry) {
    return entry.created_date.value_or(entry.received_at);
}

// A new deploy candidate: the series changes from its position on.
Status put_source(lmdb::txn& txn, const Tables& t, const DeploymentConfig& d,
                  const DeploySource& source, Dirty& dirty) {
    mark_at(dirty, d, position(source.deployed_at, source.seq));
    return put(txn, t.sources, source_key(d.name, d.environment, source.deployed_at, source.seq),
               encode(source));
}

// The deploys of `d` whose commit walk a push can change: those that stopped
// at its new sha or at a commit only now known (tr_gaps). A walk takes the
// lowest listing push id, so one that chose another push for this sha
// changes only when this push's id is lower (rare: re-derive everything).
Status mark_push_effects(lmdb::txn& txn, const Tables& t, const DeploymentConfig& d,
                         std::string_view repo, const handlers::RefUpdate& update,
                         std::uint64_t push_id, const std::set<std::string>& new_commits,
                         Dirty& dirty) {
    const std::string links =
        KeyBuilder().str(repo).str(update.name).str(update.new_object_id).sep().bytes();
    bool outranks = false;
    auto scanned = scan_prefix(txn, t.ref_links, links, [&](std::string_view k, std::string_view) {
        outranks =
            k.size() == links.size() + 8 && bytes::decode_u64_be(k.substr(links.size())) > push_id;
        return !outranks;
    });
    if (!scanned) return scanned;
    if (outranks) {
        mark(dirty, d);
        return {};
    }
    const std::string prefix = deploy_prefix(d.name, d.environment);
    return scan_prefix(txn, t.gaps, prefix, [&](std::string_view k, std::string_view gap) {
        if (gap == update.new_object_id || new_commits.count(std::string(gap)) != 0)
            mark_at(dirty, d, std::string(k.substr(prefix.size())));
        return true;
    });
}

// The earliest position of the deploy candidates a fact keyed under
// `prefix` in `dbi` (stage runs, releases) stands for.
template <class Decode>
Result<std::optional<std::string>> earliest_position(lmdb::txn& txn, MDB_dbi dbi,
                                                     const std::string& prefix, Decode decode) {
    std::optional<std::string> earliest;
    auto scanned = scan_prefix(txn, dbi, prefix, [&](std::string_view, std::string_view v) {
        if (auto fact = decode(v)) {
            std::string pos = position(fact->created_at, fact->seq);
            if (!earliest || pos < *earliest) earliest = std::move(pos);
        }
        return true;
    });
    if (!scanned) return tl::unexpected(scanned.error());
    return earliest;
}

// ---- git.push --------------------------------------------------------------

// `deferred`: reindex's queue for tr_commits and tr_ref_links rows (nullptr live).
Status ingest_push(lmdb::txn& txn, const Tables& t, const config::Config& config,
                   const storage::JournalEntry& entry, SortedRows* deferred, Dirty& dirty) {
    auto push = handlers::take_push_event(entry.parsed, entry.raw);
    if (!push) return {};
    std::vector<const DeploymentConfig*> repo_deployments;
    for (const auto& d : config.deployments)
        if (iequals(d.project, push->project_name) && iequals(d.repository, push->repository_name))
            repo_deployments.push_back(&d);
    if (repo_deployments.empty()) return {};

    const std::string rk = repo_key(push->project_name, push->repository_name);
    if (rk.size() > 200) return {};  // keeps every key below LMDB's limit
    Writer repo;
    repo.str(push->project_name)
        .str(push->repository_name)
        .str(push->project_id)
        .str(push->repository_id);
    // Written only when it changes: an unchanged put still copies its page.
    const std::string repo_record = repo.take();
    auto stored_repo = get(txn, t.repos, rk);
    if (!stored_repo) return tl::unexpected(stored_repo.error());
    if (!*stored_repo || **stored_repo != repo_record)
        if (auto s = put(txn, t.repos, rk, repo_record); !s) return s;

    const std::string push_key =
        KeyBuilder().str(rk).u64(static_cast<std::uint64_t>(push->push_id)).bytes();
    auto existing = get(txn, t.pushes, push_key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};  // the same push again (hook + REST): counts once

    PushFact fact;
    fact.seq = entry.seq;
    fact.date = push->date;
    fact.comments_truncated = push->comments_truncated;
    bool upgraded_commit = false;
    std::set<std::string> new_commits;  // facts this push adds
    for (std::size_t i = 0; i < push->commits.size(); ++i) {
        const auto& c = push->commits[i];
        fact.commit_shas.push_back(c.commit_id);
        CommitFact commit;
        commit.first_seq = entry.seq;
        commit.first_index = i;
        commit.author_name = c.author_name;
        commit.author_email = c.author_email;
        commit.authored_at = c.author_date;
        commit.summary = first_line(c.comment);
        commit.comment_truncated = c.comment_truncated;
        commit.work_item_refs = handlers::extract_work_item_ids(c.comment);
        SHIPLOG_TRY_ASSIGN(
            auto stored,
            store_commit(txn, t, deferred, KeyBuilder().str(rk).str(c.commit_id).bytes(), commit));
        if (stored == CommitStored::upgraded) upgraded_commit = true;
        if (stored != CommitStored::unchanged) new_commits.insert(c.commit_id);
    }
    if (auto s = put(txn, t.pushes, push_key, encode(fact)); !s) return s;

    for (const auto& update : push->ref_updates) {
        const std::string link = KeyBuilder()
                                     .str(rk)
                                     .str(update.name)
                                     .str(update.new_object_id)
                                     .u64(static_cast<std::uint64_t>(push->push_id))
                                     .bytes();
        // An absurdly long ref name is not indexed: chains through it go to REST.
        if (link.size() <= k_max_key_bytes)
            SHIPLOG_TRY(store_ref_link(txn, t, deferred, link, entry.seq, update.old_object_id));
        for (const auto* d : repo_deployments) {
            if (!handlers::ref_matches_branch(update.name, d->branch)) continue;
            if (auto s = mark_push_effects(txn, t, *d, rk, update,
                                           static_cast<std::uint64_t>(push->push_id), new_commits,
                                           dirty);
                !s)
                return s;
            if (d->trigger != Trigger::push || update.new_object_id == k_zero_sha) continue;
            DeploySource source;
            source.kind = SourceKind::push;
            source.seq = entry.seq;
            source.sha = update.new_object_id;
            source.deployed_at = push->date;
            source.project = d->project;
            if (auto s = put_source(txn, t, *d, source, dirty); !s) return s;
        }
    }
    if (upgraded_commit)
        for (const auto* d : repo_deployments) mark(dirty, *d);
    return {};
}

// ---- build.complete --------------------------------------------------------

bool project_matches(std::string_view configured, std::string_view sent) {
    return sent.empty() || iequals(configured, sent);
}

Status ingest_build(lmdb::txn& txn, const Tables& t, const config::Config& config,
                    const storage::JournalEntry& entry, Dirty& dirty) {
    auto build = handlers::take_build_event(entry.parsed, entry.raw);
    if (!build) return {};
    std::vector<const DeploymentConfig*> matching;
    for (const auto& d : config.deployments)
        if ((d.trigger == Trigger::build || d.trigger == Trigger::stage) &&
            iequals(d.pipeline, build->definition_name) &&
            project_matches(d.project, build->project_name))
            matching.push_back(&d);
    if (matching.empty()) return {};

    const std::string key = KeyBuilder().u64(static_cast<std::uint64_t>(build->build_id)).bytes();
    auto existing = get(txn, t.builds, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) {
        // A build look-up's answer (no definition) gives way to the delivery.
        auto old = decode<BuildFact>(**existing);
        if (!old || !old->definition.empty()) return {};
    }

    BuildFact fact;
    fact.seq = entry.seq;
    fact.definition = build->definition_name;
    fact.project = build->project_name;
    fact.branch = build->source_branch;
    fact.sha = build->source_version;
    fact.result = static_cast<std::uint8_t>(build->result);
    fact.finish_time = build->finish_time;
    if (auto s = put(txn, t.builds, key, encode(fact)); !s) return s;

    // A stage deployment's runs are builds of its pipeline: the build gives
    // the sha and branch of the stage deploys of this run.
    auto run_from = earliest_position(
        txn, t.stages, KeyBuilder().u64(static_cast<std::uint64_t>(build->build_id)).sep().bytes(),
        [](std::string_view v) { return decode<StageFact>(v); });
    if (!run_from) return tl::unexpected(run_from.error());
    for (const auto* d : matching) {
        if (d->trigger == Trigger::stage && *run_from) mark_at(dirty, *d, **run_from);
        if (d->trigger != Trigger::build) continue;
        if (!handlers::ref_matches_branch(build->source_branch, d->branch)) continue;
        DeploySource source;
        source.kind = SourceKind::build;
        source.seq = entry.seq;
        source.ref_id = build->build_id;  // the deploy page links the run
        source.sha = build->source_version;
        source.deployed_at = build->finish_time;
        source.project = d->project;
        switch (build->result) {
            case handlers::BuildResult::succeeded:
            case handlers::BuildResult::partially_succeeded:
                source.status = DeployStatus::succeeded;
                break;
            case handlers::BuildResult::failed:
                source.status = DeployStatus::failed;
                break;
            default:
                continue;  // canceled (or unknown): no deploy
        }
        if (auto s = put_source(txn, t, *d, source, dirty); !s) return s;
    }
    return {};
}

// ---- stage-state-changed ---------------------------------------------------

// A delivery that carries its run's source (repositories.self) answers what
// the build look-up would: kept like a look-up answer (no definition name),
// so a later build.complete of the run still replaces it.
Status put_run_source(lmdb::txn& txn, const Tables& t, const handlers::StageEvent& stage,
                      std::string_view project, std::uint64_t seq) {
    if (stage.source_version.empty() || stage.source_branch.empty()) return {};
    const std::string key = KeyBuilder().u64(static_cast<std::uint64_t>(stage.run_id)).bytes();
    auto existing = get(txn, t.builds, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};
    BuildFact build;
    build.seq = seq;
    build.project = std::string(project);
    build.branch = stage.source_branch;
    build.sha = stage.source_version;
    build.result = static_cast<std::uint8_t>(handlers::BuildResult::other);
    return put(txn, t.builds, key, encode(build));
}

Status ingest_stage(lmdb::txn& txn, const Tables& t, const config::Config& config,
                    const storage::JournalEntry& entry, Dirty& dirty) {
    auto stage = handlers::take_stage_event(entry.parsed, entry.raw);
    if (!stage || !iequals(stage->state, "completed")) return {};
    std::vector<const DeploymentConfig*> matching;
    for (const auto& d : config.deployments)
        if (d.trigger == Trigger::stage && iequals(d.pipeline, stage->pipeline_name) &&
            iequals(d.stage, stage->stage_name))
            matching.push_back(&d);
    if (matching.empty()) return {};

    const std::string key = KeyBuilder()
                                .u64(static_cast<std::uint64_t>(stage->run_id))
                                .str(lower(stage->stage_name))
                                .bytes();
    if (key.size() > k_max_key_bytes) return {};
    StageFact fact;
    fact.seq = entry.seq;
    fact.attempt = stage->attempt.value_or(0);
    fact.pipeline = stage->pipeline_name;
    fact.result = stage->result;
    fact.created_at = event_time(entry);

    auto existing = get(txn, t.stages, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) {
        auto old = decode<StageFact>(**existing);
        // A re-run replaces the earlier attempt: the latest by (attempt,
        // time) stands, whatever order they were journaled in.
        // Ties (the same completion delivered twice) keep the first.
        if (old &&
            std::tie(old->attempt, old->created_at) >= std::tie(fact.attempt, fact.created_at))
            return {};
        if (old)
            for (const auto* d : matching) {
                mark_at(dirty, *d, position(old->created_at, old->seq));
                if (auto s = del(txn, t.sources,
                                 source_key(d->name, d->environment, old->created_at, old->seq));
                    !s)
                    return s;
            }
    }
    if (auto s = put(txn, t.stages, key, encode(fact)); !s) return s;
    if (auto s = put_run_source(txn, t, *stage, matching.front()->project, entry.seq); !s) return s;

    for (const auto* d : matching) {
        DeploySource source;
        source.kind = SourceKind::stage;
        source.seq = entry.seq;
        source.deployed_at = fact.created_at;
        source.ref_id = stage->run_id;
        source.project = d->project;
        if (iequals(stage->result, "succeeded"))
            source.status = DeployStatus::succeeded;
        else if (iequals(stage->result, "failed"))
            source.status = DeployStatus::failed;
        else
            continue;  // skipped, canceled: no deploy
        if (auto s = put_source(txn, t, *d, source, dirty); !s) return s;
    }
    return {};
}

// ---- deployment-completed --------------------------------------------------

// The artifacts a delivery carries, used before the Release API: a commit
// the artifact names itself becomes the release's sha (first answer wins,
// like a look-up's); a build to look up is kept on the release fact for the
// work queue, with the artifact's own project.
Status take_artifact(lmdb::txn& txn, const Tables& t,
                     const handlers::ReleaseDeploymentEvent& release, const DeploymentConfig& d,
                     ReleaseFact& fact) {
    const auto* artifact = handlers::deployed_artifact(release.artifacts, d.pipeline, d.repository);
    if (artifact == nullptr) return {};
    if (auto sha = handlers::artifact_commit(*artifact)) {
        const std::string key =
            KeyBuilder().u64(static_cast<std::uint64_t>(release.release_id)).bytes();
        auto existing = get(txn, t.release_shas, key);
        if (!existing) return tl::unexpected(existing.error());
        if (!*existing) return put(txn, t.release_shas, key, *sha);
        return {};
    }
    fact.artifact.type = artifact->type;
    fact.artifact.alias = artifact->alias;
    fact.artifact.project =
        !artifact->project_name.empty() ? artifact->project_name : artifact->project_id;
    fact.artifact.version = artifact->version_id;
    fact.artifact.branch = artifact->branch;
    return {};
}

Status ingest_release(lmdb::txn& txn, const Tables& t, const config::Config& config,
                      const storage::JournalEntry& entry, Dirty& dirty) {
    auto release = handlers::take_release_deployment_event(entry.parsed, entry.raw);
    if (!release) return {};
    std::vector<const DeploymentConfig*> matching;
    for (const auto& d : config.deployments)
        if (d.trigger == Trigger::release &&
            iequals(d.release_definition, release->release_definition_name) &&
            iequals(d.release_environment, release->environment_name) &&
            project_matches(d.project, release->project_name))
            matching.push_back(&d);
    if (matching.empty()) return {};

    const std::string key = KeyBuilder()
                                .u64(static_cast<std::uint64_t>(release->release_id))
                                .u64(static_cast<std::uint64_t>(release->environment_id))
                                .u64(static_cast<std::uint64_t>(release->attempt.value_or(0)))
                                .bytes();
    auto existing = get(txn, t.releases, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};
    ReleaseFact fact;
    fact.seq = entry.seq;
    fact.definition = release->release_definition_name;
    fact.environment = release->environment_name;
    fact.status = release->status;
    fact.project = release->project_name;
    fact.release_id = release->release_id;
    fact.created_at = event_time(entry);
    const auto outcome = handlers::release_outcome(*release);
    if (outcome != handlers::ReleaseOutcome::never_ran)
        if (auto s = take_artifact(txn, t, *release, *matching.front(), fact); !s) return s;
    if (auto s = put(txn, t.releases, key, encode(fact)); !s) return s;

    for (const auto* d : matching) {
        DeploySource source;
        source.kind = SourceKind::release;
        source.seq = entry.seq;
        source.deployed_at = fact.created_at;
        source.ref_id = release->release_id;
        source.project = d->project;
        if (outcome == handlers::ReleaseOutcome::never_ran) continue;  // nothing was deployed
        source.status = outcome == handlers::ReleaseOutcome::succeeded ? DeployStatus::succeeded
                                                                       : DeployStatus::failed;
        if (auto s = put_source(txn, t, *d, source, dirty); !s) return s;
    }
    return {};
}

Status ingest_release_artifact(lmdb::txn& txn, const Tables& t, const config::Config& config,
                               const storage::JournalEntry& entry, Dirty& dirty) {
    auto artifact = parse_release_artifact_record(entry.raw);
    if (!artifact) return {};
    const std::string key =
        KeyBuilder().u64(static_cast<std::uint64_t>(artifact->release_id)).bytes();
    auto existing = get(txn, t.release_shas, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};  // first answer wins, like every other fact
    if (auto s = put(txn, t.release_shas, key, artifact->sha); !s) return s;
    // The release's deploys learn their sha: from the earliest of them on.
    auto release_from =
        earliest_position(txn, t.releases, key + std::string(1, '\0'),
                          [](std::string_view v) { return decode<ReleaseFact>(v); });
    if (!release_from) return tl::unexpected(release_from.error());
    if (!*release_from) return {};
    for (const auto& d : config.deployments)
        if (d.trigger == Trigger::release) mark_at(dirty, d, **release_from);
    return {};
}

// ---- register_deploy -------------------------------------------------------

Status ingest_registration(lmdb::txn& txn, const Tables& t, const config::Config& config,
                           const storage::JournalEntry& entry, Dirty& dirty) {
    auto record = parse_register_deploy_record(entry.raw);
    if (!record) return {};
    for (const auto& d : config.deployments) {
        if (d.name != record->deployment || d.environment != record->environment) continue;
        DeploySource source;
        source.kind = SourceKind::registration;
        source.seq = entry.seq;
        source.sha = record->sha;
        source.deployed_at = record->date;
        source.status = record->status;
        source.project = d.project;
        if (auto s = put_source(txn, t, d, source, dirty); !s) return s;
    }
    return {};
}

// ---- register_impact, Azure Monitor ----------------------------------------

// A transition of an incident from an [[incident_source]]: blame is derived
// from the whole series (like a work item's, it can move blame anywhere).
Status ingest_impact(lmdb::txn& txn, const Tables& t, const config::Config& config,
                     const storage::JournalEntry& entry, Dirty& dirty) {
    auto record = parse_impact_record(entry.raw);
    if (!record) return {};
    const config::IncidentSourceConfig* source = nullptr;
    for (const auto& s : config.incident_sources)
        if (s.name == record->source && s.kind == record->kind) source = &s;
    if (source == nullptr) return {};  // not configured (now): journaled only
    bool changed = false;
    if (auto s = put_impact(txn, t, *record, entry.seq, changed); !s) return s;
    if (!changed) return {};
    // From the last succeeded deploy at or before the incident's earliest
    // transition, not the start of the series: the deploys it can blame.
    auto earliest = earliest_impact(txn, t, incident_id(*record));
    if (!earliest) return tl::unexpected(earliest.error());
    for (const auto& d : config.deployments) {
        if (d.name != source->deployment || d.environment != source->environment) continue;
        if (*earliest)
            mark_at(dirty, d, position(**earliest, 0));
        else
            mark(dirty, d);
    }
    return {};
}

// ---- workitem.* --------------------------------------------------------------

Status ingest_work_item(lmdb::txn& txn, const Tables& t, const config::Config& config,
                        const storage::JournalEntry& entry, Dirty& dirty) {
    auto item = handlers::take_work_item_event(entry.parsed, entry.raw);
    if (!item || item->id <= 0) return {};
    std::vector<const DeploymentConfig*> matching;
    for (const auto& d : config.deployments)
        if (iequals(d.project, item->team_project)) matching.push_back(&d);
    if (matching.empty()) return {};

    const auto id = static_cast<std::uint64_t>(item->id);
    std::string key = KeyBuilder().u64(id).bytes();
    bytes::put_u64_be(key, static_cast<std::uint64_t>(item->rev));
    key.push_back(static_cast<char>(item->change));
    auto existing = get(txn, t.work_items, key);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return {};

    WorkItemRev rev;
    rev.change = static_cast<std::uint8_t>(item->change);
    rev.type = item->work_item_type;
    rev.state = item->state;
    rev.tags = item->tags;
    rev.area_path = item->area_path;
    rev.project = item->team_project;
    rev.created_at = item->created_date;
    rev.changed_at = item->changed_date;
    rev.title = item->title;
    if (auto s = put(txn, t.work_items, key, encode(rev)); !s) return s;

    const std::string index = KeyBuilder()
                                  .str(lower(item->team_project))
                                  .str(lower(item->work_item_type))
                                  .u64(id)
                                  .bytes();
    if (index.size() <= k_max_key_bytes)
        if (auto s = put(txn, t.wi_index, index, ""); !s) return s;
    if (item->created_date) {
        const std::string created =
            work_item_created_key(item->team_project, *item->created_date, id);
        if (created.size() <= k_max_key_bytes)
            if (auto s = put(txn, t.wi_created, created, ""); !s) return s;
    }

    auto link = [&](const handlers::CommitArtifact& artifact, bool added) -> Status {
        const std::string link_key = KeyBuilder().str(lower(artifact.sha)).u64(id).bytes();
        auto stored = get(txn, t.wi_links, link_key);
        if (!stored) return tl::unexpected(stored.error());
        WiLink value;
        if (*stored) value = decode<WiLink>(**stored).value_or(WiLink{});
        auto& rev_slot = added ? value.added_rev : value.removed_rev;
        if (item->rev <= rev_slot) return {};
        rev_slot = item->rev;
        return put(txn, t.wi_links, link_key, encode(value));
    };
    for (const auto& artifact : item->commit_links)
        if (auto s = link(artifact, true); !s) return s;
    for (const auto& artifact : item->removed_commit_links)
        if (auto s = link(artifact, false); !s) return s;

    // The earliest deploy the revision can change, per series, instead of
    // the whole series (whose cost would grow with it). As an incident it
    // blames the last succeeded deploy at or before its creation time (the
    // earliest any revision carried: that deploy may lose the blame now),
    // and makes rework of deploys whose commits were pushed while it was
    // open, which is after it was created. Its commit links change the
    // deploys that ship those commits: from the last succeeded deploy
    // before the first that shipped one, so failed attempts are included.
    std::optional<Timestamp> created;
    auto revisions = scan_prefix(
        txn, t.work_items, KeyBuilder().u64(id).bytes(), [&](std::string_view, std::string_view v) {
            auto stored = decode<WorkItemRev>(v);
            if (stored && stored->created_at && (!created || *stored->created_at < *created))
                created = stored->created_at;
            return true;
        });
    if (!revisions) return revisions;
    for (const auto* d : matching) {
        std::optional<std::string> from;
        auto earlier = [&](std::string pos) {
            if (!from || pos < *from) from = std::move(pos);
        };
        if (created) earlier(position(*created, 0));
        const std::string prefix = deploy_prefix(d->name, d->environment);
        const std::string repo = repo_key(d->project, d->repository);
        for (const auto* links : {&item->commit_links, &item->removed_commit_links})
            for (const auto& artifact : *links) {
                auto shipped_key = shipped_key_of(txn, t, repo, prefix, lower(artifact.sha));
                if (!shipped_key) return tl::unexpected(shipped_key.error());
                // A commit no succeeded deploy shipped may still be in a failed
                // deploy's or an unknown one's set: no index finds those, so
                // the series derives from its start, as it did before.
                if (!*shipped_key || (*shipped_key)->size() > k_max_key_bytes) {
                    earlier(std::string());
                    continue;
                }
                auto shipped = get(txn, t.shipped, **shipped_key);
                if (!shipped) return tl::unexpected(shipped.error());
                if (!*shipped) {
                    earlier(std::string());
                    continue;
                }
                auto before = rows_before(txn, t, prefix, **shipped);
                if (!before) return tl::unexpected(before.error());
                earlier(before->last_succeeded ? position(before->last_succeeded->deployed_at,
                                                          before->last_succeeded->seq)
                                               : std::string());
            }
        if (from) mark_at(dirty, *d, std::move(*from));
    }
    return {};
}

// ---- pull requests ---------------------------------------------------------

// A pull request changes the deploys from the first one that shipped its
// merge commit on (its breakdown, squash lead time, batch and hotfix
// rework); until a deploy ships it, nothing derived depends on it.
Status ingest_pull_requests(lmdb::txn& txn, const Tables& t, const config::Config& config,
                            const storage::JournalEntry& entry, Dirty& dirty) {
    auto change = ingest_pull_request_entry(txn, t, config, entry);
    if (!change) return tl::unexpected(change.error());
    if (!*change) return {};
    for (const auto& d : config.deployments) {
        if (repo_key(d.project, d.repository) != (*change)->repo_key) continue;
        if (!handlers::ref_matches_branch((*change)->target_ref, d.branch)) continue;
        for (const auto& sha : (*change)->merge_shas) {
            auto key = shipped_key_of(txn, t, (*change)->repo_key,
                                      deploy_prefix(d.name, d.environment), sha);
            if (!key) return tl::unexpected(key.error());
            if (!*key || (*key)->size() > k_max_key_bytes) continue;
            auto shipped = get(txn, t.shipped, **key);
            if (!shipped) return tl::unexpected(shipped.error());
            if (*shipped) mark_at(dirty, d, **shipped);
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Projector>> Projector::open(storage::Store& store,
                                                   ConfigSource current_config) {
    auto tables = Tables::open(store);
    if (!tables) return tl::unexpected(tables.error());
    auto outbox = storage::Outbox::open(store);
    if (!outbox) return tl::unexpected(outbox.error());
    return std::unique_ptr<Projector>(new Projector(*tables, *outbox, std::move(current_config)));
}

Status Projector::on_append(lmdb::txn& txn, const storage::JournalEntry& entry) {
    auto config = m_current_config ? m_current_config() : nullptr;
    if (!config || config->deployments.empty()) return {};
    Dirty dirty;
    Status ingested;
    const std::string_view type = entry.event_type;
    switch (payload_of(event_kind_of(type))) {
        case EventPayload::push:
            ingested = ingest_push(txn, m_tables, *config, entry, m_sorted.get(), dirty);
            break;
        case EventPayload::build:
            ingested = ingest_build(txn, m_tables, *config, entry, dirty);
            break;
        case EventPayload::stage:
            ingested = ingest_stage(txn, m_tables, *config, entry, dirty);
            break;
        case EventPayload::release_deployment:
            ingested = ingest_release(txn, m_tables, *config, entry, dirty);
            break;
        case EventPayload::work_item:
            ingested = ingest_work_item(txn, m_tables, *config, entry, dirty);
            break;
        case EventPayload::pull_request:
        case EventPayload::pull_request_comment:
            ingested = ingest_pull_requests(txn, m_tables, *config, entry, dirty);
            break;
        // Read for relevance only: nothing of theirs is projected.
        case EventPayload::run:
            break;
        // shiplog's own records (not Azure DevOps events).
        case EventPayload::none:
            if (type == k_register_deploy_event_type)
                ingested = ingest_registration(txn, m_tables, *config, entry, dirty);
            else if (type == k_impact_event_type)
                ingested = ingest_impact(txn, m_tables, *config, entry, dirty);
            else if (type == k_release_artifact_event_type)
                ingested = ingest_release_artifact(txn, m_tables, *config, entry, dirty);
            else if (is_lookup_record(type))  // the REST work queue's answers
                ingested =
                    ingest_lookup_record(txn, m_tables, *config, entry, m_sorted.get(), dirty.all);
            else if (type == handlers::k_pull_request_record_type)  // backfill's and the queue's
                ingested = ingest_pull_requests(txn, m_tables, *config, entry, dirty);
            break;
    }
    if (m_sorted) {
        if (!ingested) {
            m_sorted->drop_entry();  // the caller rolls the entry back
            return ingested;
        }
        SHIPLOG_TRY(m_sorted->end_entry());
    }
    if (!ingested) return ingested;

    if (m_deferred) {
        m_dirty.insert(dirty.all.begin(), dirty.all.end());
        for (const auto& [series, from] : dirty.from) m_dirty.insert(series);
        return {};
    }
    for (const auto& d : config->deployments) {
        const Series series{d.name, d.environment};
        std::string_view from;
        if (dirty.all.count(series) == 0) {
            auto found = dirty.from.find(series);
            if (found == dirty.from.end()) continue;
            from = found->second;
        }
        if (auto s = recompute_deployment(txn, m_tables, *config, d, from); !s) return s;
    }
    const bool may_open_incident =
        payload_of(event_kind_of(type)) == EventPayload::work_item || type == k_impact_event_type;
    return queue_notifications(txn, m_tables, m_outbox, *config, entry, may_open_incident);
}

Projector::Projector(Tables tables, storage::Outbox outbox, ConfigSource current_config)
    : m_tables(tables), m_outbox(outbox), m_current_config(std::move(current_config)) {}

Projector::~Projector() = default;

void Projector::set_deferred(bool deferred, std::size_t sort_run_bytes) {
    m_deferred = deferred;
    if (deferred && !m_sorted) m_sorted = std::make_unique<SortedRows>(sort_run_bytes);
    if (!deferred) m_sorted.reset();
}

Status Projector::write_deferred_rows(storage::Store& store) {
    if (!m_sorted) return {};
    return append_sorted_rows(store, m_tables, *m_sorted);
}

Status Projector::recompute(lmdb::txn& txn, const config::Config& config,
                            const config::DeploymentConfig& deployment) {
    return recompute_deployment(txn, m_tables, config, deployment);
}

}  // namespace shiplog::tracking
