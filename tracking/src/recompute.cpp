// Derivation of one deployment+environment (SPEC §5, §6). Reads the facts,
// never the journal, and writes tr_deploys. Steps, in deploy order
// (deployed_at, then seq):
//  1. resolve each candidate's sha (stage: its run's build; release: the
//     artifact answer) or mark it as waiting for the work queue;
//  2. failures: own status, then rollbacks (a succeeded sha seen before,
//     other than the latest, marks the deploys in between);
//  3. commit sets along the ref-update chain from the previous succeeded sha;
//  4. incidents blame the latest succeeded deploy at or before their creation;
//  5. work items from commit messages and work-item commit links.
#include "recompute.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "deploy_index.hpp"
#include "facts.hpp"
#include "handlers/build_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/work_item_event.hpp"
#include "lookup_ingest.hpp"
#include "tracking/incident.hpp"

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

struct ChainResult {
    std::vector<std::string> shas;
    bool complete = false;
};

struct Link {
    std::uint64_t push_id = 0;
    std::string old_sha;
};

class Deriver {
  public:
    Deriver(lmdb::txn& txn, const Tables& t, const config::Config& config,
            const DeploymentConfig& d)
        : m_txn(txn),
          m_t(t),
          m_config(config),
          m_d(d),
          m_repo(repo_key(d.project, d.repository)),
          m_ref("refs/heads/" + d.branch) {
        if (d.branch.rfind("refs/heads/", 0) == 0) m_ref = d.branch;
    }

    Status run();

  private:
    Status load_candidates(std::vector<Candidate>& out);
    Result<std::vector<Link>> links_to(std::string_view sha);
    Result<std::optional<PushFact>> push(std::uint64_t push_id);
    Result<ChainResult> chain(const std::optional<std::string>& from, const std::string& to);
    Result<ChainResult> first_deploy(const std::string& to);
    Status blame_incidents(std::vector<DeployView>& views);
    Status fill_commits(DeployView& view, const std::vector<std::string>& shas);
    Status write(std::vector<DeployView>& views, std::vector<QueueItem>& items);

    lmdb::txn& m_txn;
    const Tables& m_t;
    const config::Config& m_config;
    const DeploymentConfig& m_d;
    std::string m_repo;
    std::string m_ref;
    std::vector<IncidentView> m_blamed;  // incidents blamed on a deploy, for the index
};

Status Deriver::load_candidates(std::vector<Candidate>& out) {
    std::vector<DeploySource> sources;
    bool corrupt = false;
    auto scanned = scan_prefix(m_txn, m_t.sources, deploy_prefix(m_d.name, m_d.environment),
                               [&](std::string_view, std::string_view v) {
                                   auto s = decode_source(v);
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
            if (*build) fact = decode_build(**build);
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
            links.push_back({read_u64_be(k.substr(prefix.size())), std::string(v)});
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    return links;
}

Result<std::optional<PushFact>> Deriver::push(std::uint64_t push_id) {
    auto value = get(m_txn, m_t.pushes, KeyBuilder().str(m_repo).u64(push_id).bytes());
    if (!value) return tl::unexpected(value.error());
    if (!*value) return std::optional<PushFact>{};
    return decode_push(**value);
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
        return ChainResult{(*p)->commit_shas, !possibly_truncated(**p)};
    }
    ChainResult only{{to}, true};
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
// a partial set would feed wrong lead times.
Result<ChainResult> Deriver::chain(const std::optional<std::string>& from, const std::string& to) {
    if (!from) return first_deploy(to);
    if (*from == to) return ChainResult{{}, true};
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
        for (const auto& link : *links) {  // lowest push id first: deterministic
            auto p = push(link.push_id);
            if (!p) return tl::unexpected(p.error());
            if (*p && lists(**p, current)) {
                chosen = std::move(*p);
                next = link.old_sha;
                break;
            }
        }
        if (!chosen) break;
        truncated = truncated || possibly_truncated(*chosen);
        result.shas.insert(result.shas.end(), chosen->commit_shas.begin(),
                           chosen->commit_shas.end());
        current = next;
    }
    return ChainResult{{}, false};
}

Status Deriver::fill_commits(DeployView& view, const std::vector<std::string>& shas) {
    std::set<std::string> seen;
    std::set<std::int64_t> work_items;
    for (const auto& sha : shas) {
        if (!seen.insert(sha).second) continue;
        CommitView commit;
        commit.sha = sha;
        auto stored = get(m_txn, m_t.commits, KeyBuilder().str(m_repo).str(sha).bytes());
        if (!stored) return tl::unexpected(stored.error());
        std::optional<CommitFact> fact;
        if (*stored) fact = decode_commit(**stored);
        if (fact) {
            commit.author_name = fact->author_name;
            commit.author_email = fact->author_email;
            commit.authored_at = fact->authored_at;
            commit.summary = fact->summary;
            work_items.insert(fact->work_item_refs.begin(), fact->work_item_refs.end());
        } else {
            // Never seen (its look-up failed or is pending): no entry with
            // empty fields; the set is incomplete and the deploy says why.
            view.commits_complete = false;
        }
        const std::string prefix = KeyBuilder().str(sha).sep().bytes();
        auto scanned =
            scan_prefix(m_txn, m_t.wi_links, prefix, [&](std::string_view k, std::string_view v) {
                auto link = decode_wi_link(v);
                if (link && link->added_rev > link->removed_rev && k.size() == prefix.size() + 8)
                    work_items.insert(
                        static_cast<std::int64_t>(read_u64_be(k.substr(prefix.size()))));
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

Status Deriver::blame_incidents(std::vector<DeployView>& views) {
    auto incidents = incidents_in(m_txn, m_t, m_d.project, m_config.failures);
    if (!incidents) return tl::unexpected(incidents.error());
    for (const auto& incident : *incidents) {
        if (!area_under(incident.area_path, m_d.incident_area_path)) continue;
        DeployView* blamed = nullptr;
        for (auto& view : views)
            if (view.status == DeployStatus::succeeded && view.deployed_at <= incident.created_at)
                blamed = &view;
        if (blamed == nullptr) continue;  // before any deploy: nothing to blame
        blamed->incidents.push_back(incident.id);
        if (blamed->failure == Failure::none) blamed->failure = Failure::incident;
        m_blamed.push_back(incident);
    }
    return {};
}

Status Deriver::run() {
    std::vector<Candidate> candidates;
    if (auto s = load_candidates(candidates); !s) return s;

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
    std::vector<bool> is_rollback(views.size(), false);
    {
        std::map<std::string, std::size_t> last_index_of_sha;
        std::optional<std::string> previous_sha;
        for (std::size_t k = 0; k < views.size(); ++k) {
            const auto& v = views[k];
            if (v.status != DeployStatus::succeeded || v.sha.empty()) continue;
            auto seen = last_index_of_sha.find(v.sha);
            if (seen != last_index_of_sha.end() && previous_sha && *previous_sha != v.sha) {
                is_rollback[k] = true;
                for (std::size_t i = seen->second + 1; i < k; ++i)
                    if (views[i].failure == Failure::none) views[i].failure = Failure::rollback;
            }
            last_index_of_sha[v.sha] = k;
            previous_sha = v.sha;
        }
    }

    std::vector<QueueItem> items;
    std::optional<std::string> previous_sha;
    std::optional<std::string> previous_pending;  // the predecessor's sha is not known yet
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
        if (auto s = fill_commits(v, shas); !s) return s;
        if (v.status == DeployStatus::succeeded) {
            if (v.sha.empty()) {
                previous_pending = c.pending;
            } else {
                previous_sha = v.sha;
                previous_pending.reset();
            }
        }
    }

    if (auto s = blame_incidents(views); !s) return s;
    return write(views, items);
}

Status Deriver::write(std::vector<DeployView>& views, std::vector<QueueItem>& items) {
    std::map<std::string, std::string> existing;
    auto scanned = scan_prefix(m_txn, m_t.deploys, deploy_prefix(m_d.name, m_d.environment),
                               [&](std::string_view k, std::string_view v) {
                                   existing.emplace(std::string(k), std::string(v));
                                   return true;
                               });
    if (!scanned) return scanned;
    for (const auto& view : views) {
        const std::string key = deploy_key(view.deployment, view.environment, view.seq);
        const std::string bytes = encode_deploy(view);
        auto found = existing.find(key);
        if (found != existing.end()) {
            const bool same = found->second == bytes;
            existing.erase(found);
            if (same) continue;
        }
        if (auto s = put(m_txn, m_t.deploys, key, bytes); !s) return s;
    }
    for (const auto& [key, bytes] : existing)
        if (auto s = del(m_txn, m_t.deploys, key); !s) return s;
    // The query indexes, in the same transaction as the deploys they index.
    if (auto s = write_series_index(m_txn, m_t, m_d.name, m_d.environment,
                                    SeriesIndex{index_rows(views), std::move(m_blamed)});
        !s)
        return s;
    for (const auto& item : items)
        if (auto s = enqueue(m_txn, m_t, item); !s) return s;
    return {};
}

}  // namespace

Result<std::vector<IncidentView>> incidents_in(lmdb::txn& txn, const Tables& t,
                                               std::string_view project,
                                               const config::FailuresConfig& failures) {
    std::vector<IncidentView> out;
    if (!t.present) return out;
    std::set<std::uint64_t> ids;
    for (const auto& type : failures.incident_work_item_types) {
        const std::string prefix = KeyBuilder().str(lower(project)).str(lower(type)).sep().bytes();
        auto scanned =
            scan_prefix(txn, t.wi_index, prefix, [&](std::string_view k, std::string_view) {
                if (k.size() == prefix.size() + 8) ids.insert(read_u64_be(k.substr(prefix.size())));
                return true;
            });
        if (!scanned) return tl::unexpected(scanned.error());
    }
    auto closed = [&](std::string_view state) {
        for (const auto& c : failures.incident_closed_states)
            if (iequals(c, state)) return true;
        return false;
    };
    for (const auto id : ids) {
        std::optional<WorkItemRev> latest;
        std::optional<Timestamp> created_at, restored_at;
        bool was_closed = false;
        // Key order is (rev, change): the revisions in the order they happened.
        auto scanned = scan_prefix(txn, t.work_items, KeyBuilder().u64(id).bytes(),
                                   [&](std::string_view, std::string_view v) {
                                       auto rev = decode_work_item(v);
                                       if (!rev) return true;
                                       if (rev->created_at) created_at = rev->created_at;
                                       const bool is_closed = closed(rev->state);
                                       if (is_closed && !was_closed)
                                           restored_at =
                                               rev->changed_at ? rev->changed_at : rev->created_at;
                                       was_closed = is_closed;
                                       latest = std::move(rev);
                                       return true;
                                   });
        if (!scanned) return tl::unexpected(scanned.error());
        if (!latest || !created_at || !is_incident(*latest, failures)) continue;
        if (!iequals(latest->project, project)) continue;
        IncidentView view;
        view.id = static_cast<std::int64_t>(id);
        view.project = latest->project;
        view.area_path = latest->area_path;
        view.state = latest->state;
        view.created_at = *created_at;
        if (was_closed) view.restored_at = restored_at;
        out.push_back(std::move(view));
    }
    return out;
}

Status recompute_deployment(lmdb::txn& txn, const Tables& tables, const config::Config& config,
                            const config::DeploymentConfig& deployment) {
    return Deriver(txn, tables, config, deployment).run();
}

}  // namespace shiplog::tracking::detail

namespace shiplog::tracking {

Result<std::vector<IncidentView>> list_incidents(lmdb::txn& txn, const Tables& tables,
                                                 std::string_view project,
                                                 const config::FailuresConfig& failures) {
    return detail::incidents_in(txn, tables, project, failures);
}

}  // namespace shiplog::tracking
