// Derivation of one deployment+environment (docs/reference/definitions.md, §6). Reads the facts,
// never the journal, and writes tr_deploys. Steps, in deploy order
// (deployed_at, then seq):
//  1. resolve each candidate's sha (stage: its run's build; release: the
//     artifact answer) or mark it as waiting for the work queue;
//  2. failures: own status, then rollbacks (a succeeded sha seen before,
//     other than the latest, marks the deploys in between);
//  3. commit sets along the ref-update chain from the previous succeeded sha;
//  4. incidents blame the latest succeeded deploy at or before their creation;
//  5. work items from commit messages and work-item commit links.
//
// A derivation starts at a position of the series (deploy_index.hpp): the
// deploys before it keep what they have, and the state they pass on (the
// previous succeeded sha or pending look-up, failed deploys awaiting a
// restore, rollback targets, shipped commits) is read from the indexes, so
// an event appended at the end costs O(log n) plus its own commits. The
// start moves back over any rollback that crosses it, so rollback marks
// never need undoing before the start; the last succeeded deploy before it
// is the only earlier deploy whose record can change (incident blame).
// Starting at "" is the full derivation reindex uses.
#include "projection/recompute.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "handlers/build_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/work_item_event.hpp"
#include "index/deploy_index.hpp"
#include "projection/external_incidents.hpp"
#include "pull_requests/branch_glob.hpp"
#include "pull_requests/pull_request_facts.hpp"
#include "records/facts.hpp"
#include "tracking/incident.hpp"
#include "work_queue/lookup_ingest.hpp"

namespace shiplog::tracking::detail {

namespace {

using config::DeploymentConfig;

// A walk longer than this many pushes is left to REST (bounds the cost of a
// deploy after a very long pause).
constexpr std::size_t k_max_chain_pushes = 2000;
// Azure DevOps does not document a cap on a push's commits[]; a list this
// long is treated as possibly cut short, and REST confirms it.
constexpr std::size_t k_possibly_truncated_commits = 100;

struct Candidate {
    DeploySource source;
    std::string pending;  // queue key when the sha is not known yet
    std::optional<QueueItem> item;
};

// The push that brought a commit to the tracked branch (the oldest push of
// the walk listing it).
struct PushVia {
    std::uint64_t push_id = 0;
    Timestamp date{};
};
using ViaMap = std::map<std::string, PushVia>;

struct ChainResult {
    std::vector<std::string> shas;
    bool complete = false;
    std::string gap;  // where the walk found no push listing the sha ("" when it did not stop so)
    ViaMap via;
};

struct Link {
    std::uint64_t push_id = 0;
    std::string old_sha;
};

// The deploy before the derivation's start whose record it may rewrite.
struct LastSucceeded {
    DeployIndexRow row;
    DeployView view;
    std::string stored;  // the record as read
};

class Deriver {
  public:
    Deriver(lmdb::txn& txn, const Tables& t, const config::Config& config,
            const DeploymentConfig& d, std::string_view until)
        : m_txn(txn),
          m_t(t),
          m_config(config),
          m_d(d),
          m_repo(repo_key(d.project, d.repository)),
          m_ref("refs/heads/" + d.branch),
          m_prefix(deploy_prefix(d.name, d.environment)) {
        if (!until.empty()) m_until = m_prefix + std::string(until);
        if (d.branch.rfind("refs/heads/", 0) == 0) m_ref = d.branch;
    }

    // Derives the deploys at or after position `from` ("" for all).
    Status run(std::string from);

  private:
    // The derivation from `from`; or the earlier position to start from
    // instead (the target of a rollback found in it, before `from`).
    Result<std::optional<std::string>> derive(const std::string& from);
    // `from`, moved back to the target of any rollback at or after it in the
    // current rows (so that the target is derived too).
    Result<std::string> before_old_rollbacks(std::string from);
    Status load_candidates(const std::string& from, std::vector<Candidate>& out);
    Result<std::vector<Link>> links_to(std::string_view sha);
    Result<std::optional<PushFact>> push(std::uint64_t push_id);
    Result<ChainResult> chain(const std::optional<std::string>& from, const std::string& to);
    Result<ChainResult> first_deploy(const std::string& to);
    Status blame_incidents(std::vector<DeployView>& views, std::optional<LastSucceeded>& last);
    Status fill_commits(DeployView& view, const std::vector<std::string>& shas,
                        std::map<std::string, std::vector<std::int64_t>>& items_of);
    Status attach_pull_requests(DeployView& view, const ViaMap& via);
    Status mark_rework(const std::string& from, std::vector<DeployView>& views,
                       const std::vector<bool>& is_rollback);
    Status write(const std::string& from, std::vector<DeployView>& views,
                 std::vector<DeployIndexRow>& rows, std::vector<QueueItem>& items,
                 std::optional<LastSucceeded>& last);
    // The tr_shipped key of one of the repository's commits in this series
    // (nullopt: not a known commit, so never shipped).
    Result<std::optional<std::string>> shipped_key_for(const std::string& sha);

    lmdb::txn& m_txn;
    const Tables& m_t;
    const config::Config& m_config;
    const DeploymentConfig& m_d;
    std::string m_repo;
    std::string m_ref;
    std::string m_prefix;
    std::string m_until;              // tr_sources key the candidates stop before ("" for the end)
    std::vector<std::string> m_gaps;  // per derived view
    // Incidents considered (created at or after the last succeeded deploy
    // before the start), and whether one of the series' deploys is blamed.
    std::vector<std::pair<IncidentView, bool>> m_considered;
    // Per derived view: the push that brought each commit, and each commit's work items.
    std::vector<ViaMap> m_via;
    std::vector<std::map<std::string, std::vector<std::int64_t>>> m_items;
    // Work items linked to derived commits, as incidents of this series
    // (nullopt: not one), looked up once per derivation.
    std::map<std::int64_t, std::optional<IncidentView>> m_linked_incidents;
    std::map<std::string, std::string> m_shipped_keys;  // sha -> tr_shipped key, as read
};

Status Deriver::load_candidates(const std::string& from, std::vector<Candidate>& out) {
    std::vector<DeploySource> sources;
    bool corrupt = false;
    auto scanned = scan_prefix_from(m_txn, m_t.sources, m_prefix, m_prefix + from,
                                    [&](std::string_view k, std::string_view v) {
                                        if (!m_until.empty() && k >= m_until) return false;
                                        auto s = decode<DeploySource>(v);
                                        if (!s) {
                                            corrupt = true;
                                            return false;
                                        }
                                        sources.push_back(std::move(*s));
                                        return true;
                                    });
    if (!scanned) return scanned;
    if (corrupt) return fail(ErrorCode::store, "a stored deploy source does not decode");

    for (auto& source : sources) {
        Candidate c;
        c.source = std::move(source);
        if (c.source.kind == SourceKind::stage) {
            auto build = get(m_txn, m_t.builds,
                             KeyBuilder().u64(static_cast<std::uint64_t>(c.source.ref_id)).bytes());
            if (!build) return tl::unexpected(build.error());
            std::optional<BuildFact> fact;
            if (*build) fact = decode<BuildFact>(**build);
            if (fact) {
                // The run built another branch: not a deploy of this one.
                if (!handlers::ref_matches_branch(fact->branch, m_d.branch)) continue;
                c.source.sha = fact->sha;
            } else {
                c.item = make_build_lookup(c.source.project, c.source.ref_id, c.source.deployed_at);
            }
        } else if (c.source.kind == SourceKind::release) {
            auto sha = get(m_txn, m_t.release_shas,
                           KeyBuilder().u64(static_cast<std::uint64_t>(c.source.ref_id)).bytes());
            if (!sha) return tl::unexpected(sha.error());
            if (*sha)
                c.source.sha = **sha;
            else
                c.item = make_release_artifact_lookup(c.source.project, c.source.ref_id,
                                                      c.source.deployed_at);
        }
        if (c.item) c.pending = c.item->key;
        out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.source.deployed_at, a.source.seq) <
               std::tie(b.source.deployed_at, b.source.seq);
    });
    return {};
}

Result<std::vector<Link>> Deriver::links_to(std::string_view sha) {
    std::vector<Link> links;
    const std::string prefix = KeyBuilder().str(m_repo).str(m_ref).str(sha).sep().bytes();
    auto scanned =
        scan_prefix(m_txn, m_t.ref_links, prefix, [&](std::string_view k, std::string_view v) {
            if (k.size() != prefix.size() + 8) return true;
            links.push_back({bytes::decode_u64_be(k.substr(prefix.size())), std::string(v)});
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    return links;
}

Result<std::optional<PushFact>> Deriver::push(std::uint64_t push_id) {
    auto value = get(m_txn, m_t.pushes, KeyBuilder().str(m_repo).u64(push_id).bytes());
    if (!value) return tl::unexpected(value.error());
    if (!*value) return std::optional<PushFact>{};
    return decode<PushFact>(**value);
}

bool lists(const PushFact& push, std::string_view sha) {
    return std::find(push.commit_shas.begin(), push.commit_shas.end(), sha) !=
           push.commit_shas.end();
}

bool possibly_truncated(const PushFact& push) {
    return push.comments_truncated || push.commit_shas.size() >= k_possibly_truncated_commits;
}

// The first deploy ships the commits of the push that made its sha the
// tip, or else just that commit: never the whole history.
Result<ChainResult> Deriver::first_deploy(const std::string& to) {
    auto links = links_to(to);
    if (!links) return tl::unexpected(links.error());
    for (const auto& link : *links) {
        auto p = push(link.push_id);
        if (!p) return tl::unexpected(p.error());
        if (!*p || !lists(**p, to)) continue;
        ChainResult result{(*p)->commit_shas, !possibly_truncated(**p), {}, {}};
        for (const auto& sha : (*p)->commit_shas)
            result.via[sha] = PushVia{link.push_id, (*p)->date};
        return result;
    }
    ChainResult only{{to}, true, to, {}};
    auto known = get(m_txn, m_t.commits, KeyBuilder().str(m_repo).str(to).bytes());
    if (!known) return tl::unexpected(known.error());
    only.complete = known->has_value();
    return only;
}

// Walks back from `to` through pushes on the branch whose new tip is the
// current sha and which list that sha among their commits (a push that does
// not, such as a force push rewinding the branch, proves nothing about
// ancestry). Reaching `from` makes the set complete; a gap, a branch
// creation, a loop or the walk limit leaves it incomplete and empty, because
// a partial set would feed wrong lead times. `gap` is where the walk stopped
// without a push: the only sha whose new push can change this result.
Result<ChainResult> Deriver::chain(const std::optional<std::string>& from, const std::string& to) {
    if (!from) return first_deploy(to);
    if (*from == to) return ChainResult{{}, true, {}, {}};
    ChainResult result;
    bool truncated = false;
    std::set<std::string> visited;
    std::string current = to;
    for (std::size_t steps = 0; steps < k_max_chain_pushes; ++steps) {
        if (current == *from) {
            result.complete = !truncated;
            return result;
        }
        if (current == k_zero_sha || !visited.insert(current).second) break;
        auto links = links_to(current);
        if (!links) return tl::unexpected(links.error());
        std::optional<PushFact> chosen;
        std::string next;
        std::uint64_t chosen_id = 0;
        for (const auto& link : *links) {  // lowest push id first: deterministic
            auto p = push(link.push_id);
            if (!p) return tl::unexpected(p.error());
            if (*p && lists(**p, current)) {
                chosen = std::move(*p);
                next = link.old_sha;
                chosen_id = link.push_id;
                break;
            }
        }
        if (!chosen) break;
        truncated = truncated || possibly_truncated(*chosen);
        // Walking back: a later (older) push listing the sha again is the one that brought it.
        for (const auto& sha : chosen->commit_shas)
            result.via[sha] = PushVia{chosen_id, chosen->date};
        result.shas.insert(result.shas.end(), chosen->commit_shas.begin(),
                           chosen->commit_shas.end());
        current = next;
    }
    return ChainResult{{}, false, current, {}};
}

Result<std::optional<std::string>> Deriver::shipped_key_for(const std::string& sha) {
    auto found = m_shipped_keys.find(sha);
    if (found != m_shipped_keys.end()) return found->second;
    auto key = shipped_key_of(m_txn, m_t, m_repo, m_prefix, sha);
    if (key && *key) m_shipped_keys.emplace(sha, **key);
    return key;
}

Status Deriver::fill_commits(DeployView& view, const std::vector<std::string>& shas,
                             std::map<std::string, std::vector<std::int64_t>>& items_of) {
    std::set<std::string> seen;
    std::set<std::int64_t> work_items;
    for (const auto& sha : shas) {
        if (!seen.insert(sha).second) continue;
        CommitView commit;
        commit.sha = sha;
        auto stored = get(m_txn, m_t.commits, KeyBuilder().str(m_repo).str(sha).bytes());
        if (!stored) return tl::unexpected(stored.error());
        std::optional<CommitFact> fact;
        if (*stored) fact = decode<CommitFact>(**stored);
        if (fact) {
            m_shipped_keys.emplace(sha, shipped_key(m_prefix, *fact));
            commit.author_name = fact->author_name;
            commit.author_email = fact->author_email;
            commit.authored_at = fact->authored_at;
            commit.summary = fact->summary;
            work_items.insert(fact->work_item_refs.begin(), fact->work_item_refs.end());
            auto& mine = items_of[sha];
            mine.insert(mine.end(), fact->work_item_refs.begin(), fact->work_item_refs.end());
        } else {
            // Never seen (its look-up failed or is pending): no entry with
            // empty fields; the set is incomplete and the deploy says why.
            view.commits_complete = false;
        }
        const std::string prefix = KeyBuilder().str(sha).sep().bytes();
        auto scanned =
            scan_prefix(m_txn, m_t.wi_links, prefix, [&](std::string_view k, std::string_view v) {
                auto link = decode<WiLink>(v);
                if (link && link->added_rev > link->removed_rev && k.size() == prefix.size() + 8) {
                    const auto id =
                        static_cast<std::int64_t>(bytes::decode_u64_be(k.substr(prefix.size())));
                    work_items.insert(id);
                    items_of[sha].push_back(id);
                }
                return true;
            });
        if (!scanned) return scanned;
        if (fact) view.commits.push_back(std::move(commit));
    }
    std::sort(view.commits.begin(), view.commits.end(),
              [](const CommitView& a, const CommitView& b) {
                  // Unknown times last; then oldest first.
                  if (a.authored_at.has_value() != b.authored_at.has_value())
                      return a.authored_at.has_value();
                  return std::tie(a.authored_at, a.sha) < std::tie(b.authored_at, b.sha);
              });
    view.work_items.assign(work_items.begin(), work_items.end());
    return {};
}

bool area_under(std::string_view area, std::string_view root) {
    if (root.empty()) return true;
    if (area.size() < root.size() || !iequals(area.substr(0, root.size()), root)) return false;
    return area.size() == root.size() || area[root.size()] == '\\';
}

bool is_incident(const WorkItemRev& rev, const config::FailuresConfig& failures) {
    if (rev.change == static_cast<std::uint8_t>(handlers::WorkItemChange::deleted)) return false;
    bool type_ok = false;
    for (const auto& type : failures.incident_work_item_types)
        type_ok = type_ok || iequals(type, rev.type);
    if (!type_ok) return false;
    if (failures.incident_tags.empty()) return true;
    for (const auto& wanted : failures.incident_tags)
        for (const auto& tag : rev.tags)
            if (iequals(wanted, tag)) return true;
    return false;
}

Status Deriver::blame_incidents(std::vector<DeployView>& views,
                                std::optional<LastSucceeded>& last) {
    // Incidents created before the last succeeded deploy before the start
    // keep their blame: only the later ones are read.
    std::optional<Timestamp> since;
    if (last) since = last->view.deployed_at;
    auto incidents = incidents_in(m_txn, m_t, m_d.project, m_config.failures, since);
    if (!incidents) return tl::unexpected(incidents.error());
    std::erase_if(*incidents, [&](const IncidentView& incident) {
        return !area_under(incident.area_path, m_d.incident_area_path);
    });
    // Incidents of the sources configured for this deployment+environment.
    for (const auto& source : m_config.incident_sources) {
        if (source.deployment != m_d.name || source.environment != m_d.environment) continue;
        auto more = source_incidents(m_txn, m_t, source);
        if (!more) return tl::unexpected(more.error());
        for (auto& incident : *more) incidents->push_back(std::move(incident));
    }
    std::vector<std::size_t> succeeded;  // indexes of views, deploy order
    for (std::size_t i = 0; i < views.size(); ++i)
        if (views[i].status == DeployStatus::succeeded) succeeded.push_back(i);
    if (last) {
        last->view.incidents.clear();
        if (last->view.failure == Failure::incident) last->view.failure = Failure::none;
    }
    for (auto& incident : *incidents) {
        // Blamed on a deploy before the last succeeded one: unchanged.
        if (last && incident.created_at < last->view.deployed_at) continue;
        // The latest succeeded deploy at or before the incident's creation.
        auto after =
            std::upper_bound(succeeded.begin(), succeeded.end(), incident.created_at,
                             [&](Timestamp t, std::size_t i) { return t < views[i].deployed_at; });
        DeployView* blamed = nullptr;
        if (after != succeeded.begin())
            blamed = &views[*std::prev(after)];
        else if (last)
            blamed = &last->view;
        if (blamed != nullptr) {
            blamed->incidents.push_back(incident.id);
            if (blamed->failure == Failure::none) blamed->failure = Failure::incident;
        }
        m_considered.emplace_back(std::move(incident), blamed != nullptr);
    }
    if (last) last->row.failure = last->view.failure;
    return {};
}

// The completed pull requests into the branch whose merge commit the deploy
// ships; a squash commit's lead time starts at its pull request's first
// commit; the commits the completing push brought count as the pull
// request's (the rest were pushed directly).
Status Deriver::attach_pull_requests(DeployView& view, const ViaMap& via) {
    std::set<std::string> brought;
    std::set<std::uint64_t> brought_pushes;
    for (auto& c : view.commits) {
        std::vector<std::string> strategies;
        auto prs = pull_requests_merged_as(m_txn, m_t, m_repo, m_ref, c.sha, &strategies);
        if (!prs) return tl::unexpected(prs.error());
        for (std::size_t i = 0; i < prs->size(); ++i) {
            const auto& pr = (*prs)[i];
            if (strategies[i] == "squash" && pr.first_commit_at &&
                (!c.lead_from || *pr.first_commit_at < *c.lead_from))
                c.lead_from = pr.first_commit_at;
            brought.insert(c.sha);
            if (auto found = via.find(c.sha); found != via.end())
                brought_pushes.insert(found->second.push_id);
            view.pull_requests.push_back(pr);
        }
    }
    if (view.pull_requests.empty()) return {};
    for (auto& c : view.commits) {
        auto found = via.find(c.sha);
        c.via_pull_request = brought.count(c.sha) != 0 ||
                             (found != via.end() && brought_pushes.count(found->second.push_id));
    }
    std::sort(view.pull_requests.begin(), view.pull_requests.end(),
              [](const PullRequestView& a, const PullRequestView& b) {
                  return std::tie(a.merged_at, a.id) < std::tie(b.merged_at, b.id);
              });
    return {};
}

// Rework, first reason that applies: a rollback; a commit linked to an
// incident of the series that was open when the commit's push brought it to
// the branch (its author date when no push is known); a pull request from a
// hotfix branch.
Status Deriver::mark_rework(const std::string& from, std::vector<DeployView>& views,
                            const std::vector<bool>& is_rollback) {
    // An incident belongs to the series when it can blame one of its
    // deploys: created at or after its first succeeded deploy, under its
    // area. Only Azure Boards incidents are work items a commit can link
    // to, so they are looked up by the ids the commits link (not read all).
    std::optional<Timestamp> first_succeeded;
    if (!from.empty()) {
        auto rows = first_succeeded_row(m_txn, m_t, m_prefix, from);
        if (!rows) return tl::unexpected(rows.error());
        first_succeeded = *rows;
    }
    if (!first_succeeded)
        for (const auto& v : views)
            if (v.status == DeployStatus::succeeded) {
                first_succeeded = v.deployed_at;
                break;
            }
    m_linked_incidents.clear();
    auto incident_of = [&](std::int64_t id) -> Result<const IncidentView*> {
        auto found = m_linked_incidents.find(id);
        if (found == m_linked_incidents.end()) {
            auto incident = boards_incident(m_txn, m_t, static_cast<std::uint64_t>(id), m_d.project,
                                            m_config.failures);
            if (!incident) return tl::unexpected(incident.error());
            if (*incident && !area_under((*incident)->area_path, m_d.incident_area_path))
                incident->reset();
            found = m_linked_incidents.emplace(id, std::move(*incident)).first;
        }
        if (!found->second || !first_succeeded || found->second->created_at < *first_succeeded)
            return nullptr;
        return &*found->second;
    };
    auto open_at = [](const IncidentView& incident, Timestamp t) {
        return incident.created_at <= t && (!incident.restored_at || t < *incident.restored_at);
    };
    constexpr std::string_view k_heads = "refs/heads/";
    for (std::size_t k = 0; k < views.size(); ++k) {
        auto& v = views[k];
        v.rework = Rework::none;
        if (v.status != DeployStatus::succeeded) continue;
        if (is_rollback[k]) {
            v.rework = Rework::rollback;
            continue;
        }
        bool fix = false;
        for (const auto& c : v.commits) {
            auto items = m_items[k].find(c.sha);
            if (items == m_items[k].end()) continue;
            std::optional<Timestamp> at = c.authored_at;
            if (auto via = m_via[k].find(c.sha); via != m_via[k].end()) at = via->second.date;
            if (!at) continue;
            for (auto id : items->second) {
                auto incident = incident_of(id);
                if (!incident) return tl::unexpected(incident.error());
                if (*incident && open_at(**incident, *at)) fix = true;
            }
            if (fix) break;
        }
        if (fix) {
            v.rework = Rework::incident_fix;
            continue;
        }
        for (const auto& pr : v.pull_requests) {
            std::string_view branch = pr.source_ref;
            if (branch.starts_with(k_heads)) branch.remove_prefix(k_heads.size());
            for (const auto& glob : m_config.failures.hotfix_branches)
                if (branch_glob_match(glob, branch)) v.rework = Rework::hotfix;
        }
    }
    return {};
}

Result<std::string> Deriver::before_old_rollbacks(std::string from) {
    if (from.empty()) return from;
    std::string checked_to;  // rows in [from, checked_to) are checked; "" = to the end
    for (;;) {
        auto rows = rows_from(m_txn, m_t, m_prefix, from);
        if (!rows) return tl::unexpected(rows.error());
        std::string earliest = from;
        for (const auto& row : *rows) {
            const std::string pos = position(row.deployed_at, row.seq);
            if (!checked_to.empty() && pos >= checked_to) break;
            if (row.status != DeployStatus::succeeded || !row.sha_seen_before) continue;
            auto seen = last_position_of_sha(m_txn, m_t, m_prefix, row.sha, pos);
            if (!seen) return tl::unexpected(seen.error());
            if (*seen && **seen < from) earliest = std::min(earliest, **seen);
        }
        if (earliest == from) return from;
        checked_to = from;
        from = earliest;
    }
}

Status Deriver::run(std::string from) {
    for (;;) {
        auto start = before_old_rollbacks(std::move(from));
        if (!start) return tl::unexpected(start.error());
        auto restart = derive(*start);
        if (!restart) return tl::unexpected(restart.error());
        if (!*restart) return {};
        from = std::move(**restart);
    }
}

Result<std::optional<std::string>> Deriver::derive(const std::string& from) {
    using Restart = std::optional<std::string>;
    m_gaps.clear();
    m_considered.clear();
    std::vector<Candidate> candidates;
    if (auto s = load_candidates(from, candidates); !s) return tl::unexpected(s.error());

    auto before = rows_before(m_txn, m_t, m_prefix, from);
    if (!before) return tl::unexpected(before.error());
    std::optional<LastSucceeded> last;
    if (before->last_succeeded) {
        const auto& row = *before->last_succeeded;
        auto bytes = get(m_txn, m_t.deploys, deploy_key(m_d.name, m_d.environment, row.seq));
        if (!bytes) return tl::unexpected(bytes.error());
        if (!*bytes)
            return tl::unexpected(Error{ErrorCode::store, "a deploy index row has no deploy"});
        auto view = decode_deploy(**bytes);
        if (!view) return tl::unexpected(view.error());
        last = LastSucceeded{row, std::move(*view), std::move(**bytes)};
    }

    std::vector<DeployView> views;
    views.reserve(candidates.size());
    for (const auto& c : candidates) {
        DeployView v;
        v.deployment = m_d.name;
        v.environment = m_d.environment;
        v.seq = c.source.seq;
        v.sha = c.source.sha;
        v.deployed_at = c.source.deployed_at;
        v.status = c.source.status;
        switch (c.source.kind) {
            case SourceKind::push:
                v.trigger = config::Trigger::push;
                break;
            case SourceKind::build:
                v.trigger = config::Trigger::build;
                break;
            case SourceKind::stage:
                v.trigger = config::Trigger::stage;
                break;
            case SourceKind::release:
                v.trigger = config::Trigger::release;
                break;
            case SourceKind::registration:
                v.trigger = config::Trigger::manual;
                break;
        }
        if (v.status == DeployStatus::failed) v.failure = Failure::failed;
        views.push_back(std::move(v));
    }

    // Rollbacks: the latest earlier succeeded deploy of the same sha, when it
    // is not the immediately preceding succeeded one, marks everything between.
    // One before `from` means the derivation must start after it instead.
    std::vector<bool> is_rollback(views.size(), false);
    {
        std::map<std::string, std::size_t> last_index_of_sha;
        std::optional<std::string> previous_sha = before->previous_sha;
        for (std::size_t k = 0; k < views.size(); ++k) {
            const auto& v = views[k];
            if (v.status != DeployStatus::succeeded || v.sha.empty()) continue;
            auto seen = last_index_of_sha.find(v.sha);
            if (seen != last_index_of_sha.end()) {
                if (previous_sha && *previous_sha != v.sha) {
                    is_rollback[k] = true;
                    for (std::size_t i = seen->second + 1; i < k; ++i)
                        if (views[i].failure == Failure::none) views[i].failure = Failure::rollback;
                }
            } else if (!from.empty() && previous_sha && *previous_sha != v.sha) {
                auto earlier = last_position_of_sha(m_txn, m_t, m_prefix, v.sha, from);
                if (!earlier) return tl::unexpected(earlier.error());
                if (*earlier) return Restart{std::move(**earlier)};
            }
            last_index_of_sha[v.sha] = k;
            previous_sha = v.sha;
        }
    }

    std::vector<QueueItem> items;
    std::optional<std::string> previous_sha;
    std::optional<std::string> previous_pending;  // the predecessor's sha is not known yet
    if (last) {
        if (!last->view.sha.empty())
            previous_sha = last->view.sha;
        else
            previous_pending = last->view.pending.empty() ? std::string() : last->view.pending[0];
    }
    m_gaps.assign(views.size(), std::string());
    m_via.assign(views.size(), ViaMap{});
    m_items.assign(views.size(), {});
    for (std::size_t k = 0; k < views.size(); ++k) {
        auto& v = views[k];
        const auto& c = candidates[k];
        std::vector<std::string> shas;
        if (v.sha.empty()) {
            v.commits_complete = false;
            v.pending.push_back(c.pending);
            items.push_back(*c.item);
        } else if (is_rollback[k]) {
            v.commits_complete = true;  // a rollback ships nothing new
        } else if (previous_pending) {
            v.commits_complete = false;
            v.pending.push_back(*previous_pending);
        } else {
            auto chained = chain(previous_sha, v.sha);
            if (!chained) return tl::unexpected(chained.error());
            shas = std::move(chained->shas);
            v.commits_complete = chained->complete;
            m_gaps[k] = std::move(chained->gap);
            m_via[k] = std::move(chained->via);
            if (!chained->complete) {  // REST may have answered already (work queue)
                auto answered =
                    answered_range(m_txn, m_t, m_repo, previous_sha.value_or(""), v.sha);
                if (!answered) return tl::unexpected(answered.error());
                if (*answered) {
                    // A first deploy's answer is just its own commit: keep the push's list too.
                    if (previous_sha)
                        shas = std::move(**answered);
                    else
                        shas.insert(shas.end(), (*answered)->begin(), (*answered)->end());
                    v.commits_complete = true;
                }
            }
            if (!v.commits_complete) {
                auto item =
                    make_commits_between(m_repo, previous_sha.value_or(""), v.sha, v.deployed_at);
                v.pending.push_back(item.key);
                items.push_back(std::move(item));
            }
        }
        if (auto s = fill_commits(v, shas, m_items[k]); !s) return tl::unexpected(s.error());
        if (v.status == DeployStatus::succeeded && !v.sha.empty())
            if (auto s = attach_pull_requests(v, m_via[k]); !s) return tl::unexpected(s.error());
        v.batch.commits = static_cast<std::int64_t>(v.commits.size());
        v.batch.pull_requests = static_cast<std::int64_t>(v.pull_requests.size());
        v.batch.work_items = static_cast<std::int64_t>(v.work_items.size());
        if (v.status == DeployStatus::succeeded) {
            if (v.sha.empty()) {
                previous_pending = c.pending;
            } else {
                previous_sha = v.sha;
                previous_pending.reset();
            }
        }
    }

    if (auto s = blame_incidents(views, last); !s) return tl::unexpected(s.error());
    if (auto s = mark_rework(from, views, is_rollback); !s) return tl::unexpected(s.error());

    // The index rows, continuing the state of the rows before `from`.
    std::optional<Error> lookup_error;
    SeriesIndexer indexer;
    if (!from.empty()) {
        SeriesIndexer::Before state;
        state.failed_since = std::move(before->failed_since);
        state.previous_sha = before->previous_sha;
        state.shipped = [&](const std::string& sha) {
            auto key = shipped_key_for(sha);
            if (!key) lookup_error = key.error();
            if (!key || !*key || (*key)->size() > k_max_key_bytes) return false;
            auto first = get(m_txn, m_t.shipped, **key);
            if (!first) lookup_error = first.error();
            return first && *first && **first < from;
        };
        state.sha_seen = [&](const std::string& sha) {
            auto seen = last_position_of_sha(m_txn, m_t, m_prefix, sha, from);
            if (!seen) lookup_error = seen.error();
            return seen && seen->has_value();
        };
        indexer = SeriesIndexer(std::move(state));
    }
    std::vector<DeployIndexRow> rows;
    rows.reserve(views.size());
    for (const auto& v : views) rows.push_back(indexer.add(v));
    if (lookup_error) return tl::unexpected(*lookup_error);

    if (auto s = write(from, views, rows, items, last); !s) return tl::unexpected(s.error());
    return Restart{};
}

Status Deriver::write(const std::string& from, std::vector<DeployView>& views,
                      std::vector<DeployIndexRow>& rows, std::vector<QueueItem>& items,
                      std::optional<LastSucceeded>& last) {
    // What the rows at or after `from` were.
    auto old_rows = rows_from(m_txn, m_t, m_prefix, from);
    if (!old_rows) return tl::unexpected(old_rows.error());
    std::map<std::uint64_t, std::string> old_deploys;  // seq -> record
    std::map<std::string, std::string> old_times;      // time key -> row
    std::set<std::string> old_shas;
    std::map<std::string, std::string> old_shipped;  // shipped key -> position
    for (const auto& row : *old_rows) {
        auto bytes = get(m_txn, m_t.deploys, deploy_key(m_d.name, m_d.environment, row.seq));
        if (!bytes) return tl::unexpected(bytes.error());
        old_times.emplace(index_time_key(m_prefix, row.deployed_at, row.seq),
                          encode_index_row(row));
        if (row.status == DeployStatus::succeeded && !row.sha.empty())
            old_shas.insert(index_sha_key(m_prefix, row.sha, row.deployed_at, row.seq));
        if (!*bytes) continue;
        auto view = decode_deploy(**bytes);
        if (view && view->commits.size() == row.first_shipped.size())
            for (std::size_t i = 0; i < view->commits.size(); ++i) {
                if (row.first_shipped[i] == '\0') continue;
                auto key = shipped_key_for(view->commits[i].sha);
                if (!key) return tl::unexpected(key.error());
                if (*key) old_shipped.emplace(std::move(**key), position(row.deployed_at, row.seq));
            }
        old_deploys.emplace(row.seq, std::move(**bytes));
    }

    for (const auto& view : views) {
        const std::string bytes = encode(view);
        auto found = old_deploys.find(view.seq);
        if (found != old_deploys.end()) {
            const bool same = found->second == bytes;
            old_deploys.erase(found);
            if (same) continue;
        }
        if (auto s =
                put(m_txn, m_t.deploys, deploy_key(m_d.name, m_d.environment, view.seq), bytes);
            !s)
            return s;
    }
    for (const auto& [seq, bytes] : old_deploys)
        if (auto s = del(m_txn, m_t.deploys, deploy_key(m_d.name, m_d.environment, seq)); !s)
            return s;

    // The query indexes, in the same transaction as the deploys they index.
    std::map<std::string, std::string> new_shipped;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& row = rows[k];
        const std::string key = index_time_key(m_prefix, row.deployed_at, row.seq);
        std::string bytes = encode_index_row(row);
        auto found = old_times.find(key);
        const bool same = found != old_times.end() && found->second == bytes;
        if (found != old_times.end()) old_times.erase(found);
        if (!same)
            if (auto s = put(m_txn, m_t.deploy_time, key, bytes); !s) return s;
        if (row.status == DeployStatus::succeeded && !row.sha.empty()) {
            const std::string sha_key = index_sha_key(m_prefix, row.sha, row.deployed_at, row.seq);
            if (old_shas.erase(sha_key) == 0)
                if (auto s = put(m_txn, m_t.deploy_shas, sha_key, {}); !s) return s;
        }
        for (std::size_t i = 0; i < row.first_shipped.size(); ++i) {
            if (row.first_shipped[i] == '\0') continue;
            auto shipped = shipped_key_for(views[k].commits[i].sha);
            if (!shipped) return tl::unexpected(shipped.error());
            if (*shipped && (*shipped)->size() <= k_max_key_bytes)
                new_shipped.emplace(std::move(**shipped), position(row.deployed_at, row.seq));
        }
    }
    for (const auto& [key, bytes] : old_times)
        if (auto s = del(m_txn, m_t.deploy_time, key); !s) return s;
    for (const auto& key : old_shas)
        if (auto s = del(m_txn, m_t.deploy_shas, key); !s) return s;
    for (const auto& [key, pos] : old_shipped) {
        auto kept = new_shipped.find(key);
        if (kept != new_shipped.end() && kept->second == pos) {
            new_shipped.erase(kept);
            continue;
        }
        if (key.size() <= k_max_key_bytes)
            if (auto s = del(m_txn, m_t.shipped, key); !s) return s;
    }
    for (const auto& [key, pos] : new_shipped)
        if (auto s = put(m_txn, m_t.shipped, key, pos); !s) return s;

    // Where commit walks stopped, for the pushes that can change them.
    {
        std::map<std::string, std::string> old_gaps;
        auto scanned = scan_prefix_from(m_txn, m_t.gaps, m_prefix, m_prefix + from,
                                        [&](std::string_view k, std::string_view v) {
                                            old_gaps.emplace(std::string(k), std::string(v));
                                            return true;
                                        });
        if (!scanned) return scanned;
        for (std::size_t k = 0; k < views.size(); ++k) {
            if (m_gaps[k].empty()) continue;
            const std::string key = m_prefix + position(views[k].deployed_at, views[k].seq);
            auto found = old_gaps.find(key);
            const bool same = found != old_gaps.end() && found->second == m_gaps[k];
            if (found != old_gaps.end()) old_gaps.erase(found);
            if (!same)
                if (auto s = put(m_txn, m_t.gaps, key, m_gaps[k]); !s) return s;
        }
        for (const auto& [key, sha] : old_gaps)
            if (auto s = del(m_txn, m_t.gaps, key); !s) return s;
    }

    // The last succeeded deploy before `from` gains or loses incidents, and
    // with them its failure kind, which its day row counts.
    std::string days_from = from;
    if (last) {
        const auto& row = last->row;
        const std::string bytes = encode(last->view);
        if (bytes != last->stored) {
            days_from = std::min(days_from, position(row.deployed_at, row.seq));
            if (auto s =
                    put(m_txn, m_t.deploys, deploy_key(m_d.name, m_d.environment, row.seq), bytes);
                !s)
                return s;
            if (auto s =
                    put(m_txn, m_t.deploy_time, index_time_key(m_prefix, row.deployed_at, row.seq),
                        encode_index_row(row));
                !s)
                return s;
        }
    }

    // The other rows before `from` kept their figures, so the days from
    // `days_from`'s on are all that changed.
    if (auto s = rebuild_days(m_txn, m_t, m_d.name, m_d.environment, days_from); !s) return s;

    // Restored incidents blamed on the series. Every incident created at or
    // after the last succeeded deploy before the start (every incident, from
    // the start) was considered again, so its rows are rewritten whatever
    // restore time they were filed under: a reopened and resolved incident
    // moves, one that stopped being an incident goes. Its old rows were
    // restored after it was created, so the scan starts there.
    {
        std::optional<Timestamp> since;
        if (last && !from.empty()) since = last->view.deployed_at;
        std::map<std::string, std::string> wanted, existing;
        for (const auto& [incident, blamed] : m_considered)
            if (blamed && incident.restored_at)
                wanted.emplace(index_blame_key(m_prefix, incident),
                               encode_blamed_incident(incident));
        std::string first = m_prefix;
        if (since) bytes::put_u64_be(first, time_bits(*since));
        bool corrupt = false;
        auto scanned = scan_prefix_from(m_txn, m_t.incident_blame, m_prefix, first,
                                        [&](std::string_view k, std::string_view v) {
                                            auto incident = decode<IncidentView>(v);
                                            if (!incident) {
                                                corrupt = true;
                                                return false;
                                            }
                                            if (!since || incident->created_at >= *since)
                                                existing.emplace(std::string(k), std::string(v));
                                            return true;
                                        });
        if (!scanned) return scanned;
        if (corrupt)
            return fail(ErrorCode::store,
                        "a blamed incident row does not decode (run shiplog reindex)");
        for (const auto& [key, value] : wanted) {
            auto found = existing.find(key);
            const bool same = found != existing.end() && found->second == value;
            if (found != existing.end()) existing.erase(found);
            if (!same)
                if (auto s = put(m_txn, m_t.incident_blame, key, value); !s) return s;
        }
        for (const auto& [key, value] : existing)
            if (auto s = del(m_txn, m_t.incident_blame, key); !s) return s;
    }

    for (const auto& item : items)
        if (auto s = enqueue(m_txn, m_t, item); !s) return s;
    return {};
}

}  // namespace

Result<std::optional<IncidentView>> boards_incident(lmdb::txn& txn, const Tables& t,
                                                    std::uint64_t id, std::string_view project,
                                                    const config::FailuresConfig& failures) {
    using Out = std::optional<IncidentView>;
    auto closed = [&](std::string_view state) {
        for (const auto& c : failures.incident_closed_states)
            if (iequals(c, state)) return true;
        return false;
    };
    std::optional<WorkItemRev> latest;
    std::optional<Timestamp> created_at, restored_at;
    bool was_closed = false;
    // Key order is (rev, change): the revisions in the order they happened.
    auto scanned = scan_prefix(
        txn, t.work_items, KeyBuilder().u64(id).bytes(), [&](std::string_view, std::string_view v) {
            auto rev = decode<WorkItemRev>(v);
            if (!rev) return true;
            if (rev->created_at) created_at = rev->created_at;
            const bool is_closed = closed(rev->state);
            if (is_closed && !was_closed)
                restored_at = rev->changed_at ? rev->changed_at : rev->created_at;
            was_closed = is_closed;
            latest = std::move(rev);
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!latest || !created_at || !is_incident(*latest, failures)) return Out{};
    if (!iequals(latest->project, project)) return Out{};
    IncidentView view;
    view.id = "boards:" + std::to_string(id);
    view.source = "boards";
    view.project = latest->project;
    view.area_path = latest->area_path;
    view.state = latest->state;
    view.created_at = *created_at;
    if (was_closed) view.restored_at = restored_at;
    return Out{std::move(view)};
}

Result<std::vector<IncidentView>> incidents_in(lmdb::txn& txn, const Tables& t,
                                               std::string_view project,
                                               const config::FailuresConfig& failures,
                                               std::optional<Timestamp> created_since) {
    std::vector<IncidentView> out;
    if (!t.present) return out;
    std::set<std::uint64_t> ids;
    if (created_since) {
        // Every creation time a revision carried has a row, so the one the
        // revisions settle on is among those scanned; the rest are filtered
        // below by the time the view ends up with.
        const std::string prefix = work_item_created_prefix(project);
        const std::string first = work_item_created_key(project, *created_since, 0);
        auto scanned = scan_prefix_from(
            txn, t.wi_created, prefix, first, [&](std::string_view k, std::string_view) {
                if (k.size() == prefix.size() + 16)
                    ids.insert(bytes::decode_u64_be(k.substr(prefix.size() + 8)));
                return true;
            });
        if (!scanned) return tl::unexpected(scanned.error());
    } else {
        for (const auto& type : failures.incident_work_item_types) {
            const std::string prefix =
                KeyBuilder().str(lower(project)).str(lower(type)).sep().bytes();
            auto scanned =
                scan_prefix(txn, t.wi_index, prefix, [&](std::string_view k, std::string_view) {
                    if (k.size() == prefix.size() + 8)
                        ids.insert(bytes::decode_u64_be(k.substr(prefix.size())));
                    return true;
                });
            if (!scanned) return tl::unexpected(scanned.error());
        }
    }
    for (const auto id : ids) {
        auto incident = boards_incident(txn, t, id, project, failures);
        if (!incident) return tl::unexpected(incident.error());
        if (!*incident) continue;
        if (created_since && (*incident)->created_at < *created_since) continue;
        out.push_back(std::move(**incident));
    }
    return out;
}

bool area_is_under(std::string_view area, std::string_view root) {
    return area_under(area, root);
}

Status recompute_deployment(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                            const config::DeploymentConfig& deployment, std::string_view from,
                            std::string_view until) {
    return Deriver(txn, tables, config, deployment, until).run(std::string(from));
}

Result<std::uint64_t> derive_in_chunks(storage::Store& store, const Tables& tables,
                                       const config::Config& config,
                                       const config::DeploymentConfig& deployment,
                                       std::size_t chunk) {
    chunk = std::max<std::size_t>(chunk, 1);
    const std::string prefix = deploy_prefix(deployment.name, deployment.environment);
    std::string from;  // "" first: the full derivation's start
    std::uint64_t candidates = 0;
    for (;;) {
        auto txn = lmdb::txn::begin(store.env().handle());
        // The position `chunk` candidates on: where this chunk stops.
        std::string until;
        std::size_t seen = 0;
        auto scanned = scan_prefix_from(txn, tables.sources, prefix, prefix + from,
                                        [&](std::string_view k, std::string_view) {
                                            if (seen++ < chunk) return true;
                                            until.assign(k.substr(prefix.size()));
                                            return false;
                                        });
        if (!scanned) return tl::unexpected(scanned.error());
        candidates += std::min(seen, chunk);
        if (auto s = Deriver(txn, tables, config, deployment, until).run(from); !s)
            return tl::unexpected(s.error());
        storage::commit(txn);
        if (until.empty()) return candidates;
        from = std::move(until);
    }
}

}  // namespace shiplog::tracking::detail

namespace shiplog::tracking {

Result<std::vector<IncidentView>> list_incidents(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view project,
                                                 const config::FailuresConfig& failures,
                                                 std::optional<Timestamp> created_since) {
    return detail::incidents_in(txn, tables, project, failures, created_since);
}

Result<std::vector<IncidentView>> list_source_incidents(
    lmdb::txn& txn, const Tables& tables, const config::IncidentSourceConfig& source) {
    return detail::source_incidents(txn, tables, source);
}

Result<std::vector<IncidentView>> list_all_incidents(lmdb::txn& txn, const Tables& tables,
                                                     const config::Config& config) {
    std::vector<IncidentView> out;
    std::vector<std::string> projects;  // lower-cased, each once
    for (const auto& d : config.deployments) {
        const std::string project = detail::lower(d.project);
        if (std::find(projects.begin(), projects.end(), project) != projects.end()) continue;
        projects.push_back(project);
        auto boards = detail::incidents_in(txn, tables, d.project, config.failures);
        if (!boards) return tl::unexpected(boards.error());
        for (auto& incident : *boards) {
            if (config.azure_devops)
                incident.url = config.azure_devops->organization_url + "/" + incident.project +
                               "/_workitems/edit/" + incident.id.substr(incident.id.find(':') + 1);
            out.push_back(std::move(incident));
        }
    }
    for (const auto& source : config.incident_sources) {
        auto more = detail::source_incidents(txn, tables, source);
        if (!more) return tl::unexpected(more.error());
        for (auto& incident : *more) out.push_back(std::move(incident));
    }
    return out;
}

}  // namespace shiplog::tracking
