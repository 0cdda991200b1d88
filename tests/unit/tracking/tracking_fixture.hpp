#pragma once
// Shared by the tracking tests: Azure DevOps-shaped payload builders
// (project "Contoso", repository "web-api", 40-hex shas) and a fixture that
// journals events into a real LMDB store in a TempDir and projects them the
// way the JournalWriter does (append, then the observer in a nested
// transaction, one commit per delivery).
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/time_format.hpp"
#include "config/config.hpp"
#include "storage/journal.hpp"
#include "storage/store.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"
#include "tracking/deploy.hpp"
#include "tracking/projector.hpp"
#include "tracking/register_deploy.hpp"
#include "tracking/work_queue.hpp"

namespace shiplog::tracking::test {

inline std::string sha(unsigned n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "c0ffee%034x", n);
    return buf;
}
inline const std::string k_zero(40, '0');

// Minutes after 2026-11-20T10:00:00Z.
inline Timestamp at(int minutes) {
    return Timestamp{std::chrono::seconds{1'795'168'800 + minutes * 60}};
}
inline std::string iso(Timestamp t) {
    return format_rfc3339(t);
}

struct Commit {
    std::string sha;
    std::string message = "change";
    std::string email = "dev@example.com";
    Timestamp authored = at(-60);
    bool truncated = false;  // commentTruncated: the message is cut short
};

inline std::string envelope(const std::string& id, const std::string& type,
                            const std::string& resource, Timestamp created) {
    return "{\"id\":\"" + id + "\",\"eventType\":\"" + type +
           "\",\"publisherId\":\"tfs\",\"resourceVersion\":\"1.0\",\"createdDate\":\"" +
           iso(created) + "\",\"resource\":" + resource + "}";
}

inline std::string json_escape(const std::string& s) {
    return json::escape(s);
}

inline std::string push_resource(int push_id, Timestamp date, const std::string& ref,
                                 const std::string& old_sha, const std::string& new_sha,
                                 const std::vector<Commit>& commits,
                                 const std::string& repo = "web-api") {
    std::string r =
        "{\"repository\":{\"id\":\"3c4b7a0e-0000-4000-8000-00000000" +
        std::string(repo == "web-api" ? "0001" : "0002") + "\",\"name\":\"" + repo +
        "\",\"project\":{\"id\":\"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c\",\"name\":"
        "\"Contoso\"}},\"pushId\":" +
        std::to_string(push_id) + ",\"date\":\"" + iso(date) +
        "\",\"pushedBy\":{\"uniqueName\":\"dev@example.com\"},\"refUpdates\":[{\"name\":\"" + ref +
        "\",\"oldObjectId\":\"" + old_sha + "\",\"newObjectId\":\"" + new_sha +
        "\"}],\"commits\":[";
    for (std::size_t i = 0; i < commits.size(); ++i) {
        const auto& c = commits[i];
        if (i) r += ",";
        r += "{\"commitId\":\"" + c.sha + "\",\"author\":{\"name\":\"Dev\",\"email\":\"" + c.email +
             "\",\"date\":\"" + iso(c.authored) +
             "\"},\"committer\":{\"name\":\"Dev\",\"email\":\"" + c.email + "\",\"date\":\"" +
             iso(c.authored) + "\"},\"comment\":\"" + json_escape(c.message) + "\"" +
             (c.truncated ? ",\"commentTruncated\":true}" : "}");
    }
    return r + "]}";
}

inline std::string build_resource(int build_id, const std::string& definition,
                                  const std::string& branch, const std::string& sha_,
                                  const std::string& result, Timestamp finish) {
    return "{\"id\":" + std::to_string(build_id) + ",\"buildNumber\":\"20261120." +
           std::to_string(build_id) + "\",\"status\":\"completed\",\"result\":\"" + result +
           "\",\"finishTime\":\"" + iso(finish) + "\",\"definition\":{\"id\":7,\"name\":\"" +
           definition +
           "\"},\"project\":{\"id\":\"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c\",\"name\":\"Contoso\"},"
           "\"repository\":{\"id\":\"3c4b7a0e\",\"type\":\"TfsGit\",\"name\":\"web-api\"},"
           "\"sourceBranch\":\"" +
           branch + "\",\"sourceVersion\":\"" + sha_ + "\"}";
}

inline std::string stage_resource(int run_id, const std::string& pipeline, const std::string& stage,
                                  const std::string& state, const std::string& result,
                                  std::optional<int> attempt = {}) {
    std::string r = "{\"stage\":{\"id\":\"s1\",\"name\":\"" + stage +
                    "\",\"displayName\":null,\"state\":\"" + state + "\",\"result\":\"" + result +
                    "\"";
    if (attempt) r += ",\"attempt\":" + std::to_string(*attempt);
    r += "},\"run\":{\"pipeline\":{\"id\":9,\"name\":\"" + pipeline + "\"},\"state\":\"" + state +
         "\",\"result\":\"" + result + "\",\"id\":" + std::to_string(run_id) +
         ",\"name\":\"r\"},\"pipeline\":{\"id\":9,\"name\":\"" + pipeline + "\"}}";
    return r;
}

inline std::string release_resource(int release_id, const std::string& definition,
                                    const std::string& environment, const std::string& status,
                                    int attempt = 1) {
    return "{\"environment\":{\"id\":" + std::to_string(100 + release_id) + ",\"name\":\"" +
           environment + "\",\"status\":\"" + status +
           "\",\"releaseId\":" + std::to_string(release_id) +
           ",\"release\":{\"id\":" + std::to_string(release_id) + ",\"name\":\"Release-" +
           std::to_string(release_id) + "\"},\"releaseDefinition\":{\"id\":3,\"name\":\"" +
           definition + "\"},\"deploySteps\":[{\"attempt\":" + std::to_string(attempt) +
           "}]},\"project\":{\"id\":\"6ce954b1\",\"name\":\"Contoso\"}}";
}

struct WorkItem {
    int id = 0;
    int rev = 1;
    std::string type = "Bug";
    std::string state = "New";
    std::string tags = "incident";
    std::string area = "Contoso\\Web";
    Timestamp created = at(0);
    std::optional<Timestamp> changed = std::nullopt;  // System.ChangedDate
    std::vector<std::string> linked_commits = {};
};

inline std::string work_item_fields(const WorkItem& w) {
    return "{\"System.AreaPath\":\"" + json_escape(w.area) +
           "\",\"System.TeamProject\":\"Contoso\",\"System.WorkItemType\":\"" + w.type +
           "\",\"System.State\":\"" + w.state + "\",\"System.Tags\":\"" + w.tags +
           "\",\"System.CreatedDate\":\"" + iso(w.created) + "\",\"System.Title\":\"outage\"" +
           (w.changed ? ",\"System.ChangedDate\":\"" + iso(*w.changed) + "\"" : std::string()) +
           "}";
}

inline std::string work_item_relations(const WorkItem& w) {
    std::string r = "[";
    for (std::size_t i = 0; i < w.linked_commits.size(); ++i) {
        if (i) r += ",";
        r += "{\"rel\":\"ArtifactLink\",\"url\":\"vstfs:///Git/Commit/"
             "6ce954b1%2F3c4b7a0e%2F" +
             w.linked_commits[i] + "\",\"attributes\":{\"name\":\"Fixed in Commit\"}}";
    }
    return r + "]";
}

// workitem.created / deleted / restored carry the item; updated carries an update.
inline std::string work_item_resource(const std::string& change, const WorkItem& w) {
    if (change == "updated")
        return "{\"id\":" + std::to_string(w.rev) + ",\"workItemId\":" + std::to_string(w.id) +
               ",\"rev\":" + std::to_string(w.rev) +
               ",\"fields\":{},\"revision\":{\"id\":" + std::to_string(w.id) +
               ",\"rev\":" + std::to_string(w.rev) + ",\"fields\":" + work_item_fields(w) +
               ",\"relations\":" + work_item_relations(w) + "}}";
    return "{\"id\":" + std::to_string(w.id) + ",\"rev\":" + std::to_string(w.rev) +
           ",\"fields\":" + work_item_fields(w) + ",\"relations\":" + work_item_relations(w) + "}";
}

// A pull request of Contoso/web-api as deliveries and REST show it.
struct PullRequest {
    int id = 1;
    std::string status = "active";  // active, completed, abandoned
    std::string author = "author-1";
    std::string title = "change";
    std::string source = "refs/heads/feature/x";
    std::string target = "refs/heads/main";
    Timestamp created = at(0);
    std::optional<Timestamp> closed;
    std::string merge_sha;   // lastMergeCommit ("" = none)
    std::string target_sha;  // lastMergeTargetCommit
    std::string strategy;    // completionOptions.mergeStrategy ("" = no completionOptions)
    std::vector<std::pair<std::string, int>> reviewers;  // (id, vote)
    std::vector<std::string> groups;                     // container reviewers (vote 10)
};

struct PrComment {
    std::string author;
    Timestamp published{};
    std::string type = "text";
};

inline std::string pull_request_object(const PullRequest& p) {
    std::string r =
        "{\"repository\":{\"id\":\"3c4b7a0e-0000-4000-8000-000000000001\",\"name\":\"web-api\","
        "\"project\":{\"id\":\"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c\",\"name\":\"Contoso\"}},"
        "\"pullRequestId\":" +
        std::to_string(p.id) + ",\"status\":\"" + p.status + "\",\"createdBy\":{\"id\":\"" +
        p.author + "\",\"displayName\":\"Author\"},\"creationDate\":\"" + iso(p.created) +
        "\",\"title\":\"" + json_escape(p.title) + "\",\"sourceRefName\":\"" + p.source +
        "\",\"targetRefName\":\"" + p.target + "\"";
    if (p.closed) r += ",\"closedDate\":\"" + iso(*p.closed) + "\"";
    if (!p.merge_sha.empty()) r += ",\"lastMergeCommit\":{\"commitId\":\"" + p.merge_sha + "\"}";
    if (!p.target_sha.empty())
        r += ",\"lastMergeTargetCommit\":{\"commitId\":\"" + p.target_sha + "\"}";
    if (!p.strategy.empty())
        r += ",\"completionOptions\":{\"mergeStrategy\":\"" + p.strategy + "\"}";
    r += ",\"reviewers\":[";
    bool first = true;
    for (const auto& [id, vote] : p.reviewers) {
        r += std::string(first ? "" : ",") + "{\"id\":\"" + id +
             "\",\"vote\":" + std::to_string(vote) + "}";
        first = false;
    }
    for (const auto& id : p.groups) {
        r += std::string(first ? "" : ",") + "{\"id\":\"" + id +
             "\",\"vote\":10,\"isContainer\":true}";
        first = false;
    }
    return r + "]}";
}

inline std::string pr_comment_object(const PrComment& c) {
    return "{\"id\":1,\"author\":{\"id\":\"" + c.author +
           "\",\"displayName\":\"Someone\"},\"content\":\"looks good\",\"publishedDate\":\"" +
           iso(c.published) + "\",\"commentType\":\"" + c.type + "\"}";
}

inline config::DeploymentConfig deployment(std::string name, std::string environment,
                                           config::Trigger trigger) {
    config::DeploymentConfig d;
    d.name = std::move(name);
    d.environment = std::move(environment);
    d.project = "Contoso";
    d.repository = "web-api";
    d.branch = "main";
    d.trigger = trigger;
    return d;
}

class TrackingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_config = std::make_shared<config::Config>();
        m_config->deployments.push_back(deployment("web-api", "production", config::Trigger::push));
        reopen();
    }

    void reopen() {
        m_projector.reset();
        m_store.reset();
        auto store = storage::Store::open({m_dir / "store", std::size_t{256} << 20, false});
        ASSERT_OK(store);
        m_store = std::move(*store);
        auto projector = Projector::open(
            *m_store, [this] { return std::shared_ptr<const config::Config>(m_config); });
        ASSERT_OK(projector);
        m_projector = std::move(*projector);
    }

    // Journals and projects one event like the writer does; returns its seq
    // (0 for a duplicate event id).
    std::uint64_t deliver(const std::string& type, const std::string& raw,
                          std::optional<Timestamp> created = {},
                          storage::EventSource source = storage::EventSource::webhook,
                          std::string event_id = {}) {
        if (event_id.empty()) event_id = "evt-" + std::to_string(++m_next_id);
        std::optional<lmdb::txn> own;
        if (!m_batch) own.emplace(lmdb::txn::begin(m_store->env().handle()));
        lmdb::txn& txn = m_batch ? *m_batch : *own;
        auto found = storage::find_event_id(txn, *m_store, event_id);
        EXPECT_OK(found);
        if (!found || *found) return 0;
        storage::JournalEntry entry;
        entry.event_id = event_id;
        entry.event_type = type;
        entry.source = source;
        entry.received_at = at(10'000);
        entry.created_date = created;
        entry.raw = raw;
        auto appended = storage::append_entry(txn, *m_store, entry);
        EXPECT_OK(appended);
        auto nested = lmdb::txn::begin(m_store->env().handle(), txn.handle());
        auto observed = m_projector->on_append(nested, entry);
        EXPECT_OK(observed);
        if (observed)
            nested.commit();
        else
            nested.abort();
        if (own) own->commit();
        return entry.seq;
    }

    // Many deliveries in one transaction, like one writer batch.
    void begin_batch() { m_batch.emplace(lmdb::txn::begin(m_store->env().handle())); }
    void end_batch() {
        m_batch->commit();
        m_batch.reset();
    }

    std::uint64_t push(int push_id, Timestamp date, const std::string& old_sha,
                       const std::string& new_sha, const std::vector<Commit>& commits,
                       const std::string& ref = "refs/heads/main", std::string event_id = {}) {
        return deliver(
            "git.push",
            envelope(event_id.empty() ? "p" + std::to_string(push_id) : event_id, "git.push",
                     push_resource(push_id, date, ref, old_sha, new_sha, commits), date),
            date, storage::EventSource::webhook, event_id);
    }

    std::uint64_t build(int build_id, const std::string& sha_, const std::string& result,
                        Timestamp finish, const std::string& definition = "web-api-ci",
                        const std::string& branch = "refs/heads/main") {
        return deliver(
            "build.complete",
            envelope("b" + std::to_string(build_id), "build.complete",
                     build_resource(build_id, definition, branch, sha_, result, finish), finish),
            finish);
    }

    std::uint64_t work_item(const std::string& change, const WorkItem& w, Timestamp when) {
        return deliver("workitem." + change,
                       envelope("w" + std::to_string(w.id) + "-" + std::to_string(w.rev) + change,
                                "workitem." + change, work_item_resource(change, w), when),
                       when);
    }

    std::uint64_t register_deploy(const std::string& sha_, Timestamp date,
                                  DeployStatus status = DeployStatus::succeeded,
                                  const std::string& deployment_ = "web-api",
                                  const std::string& environment = "production") {
        RegisterDeploy r;
        r.deployment = deployment_;
        r.environment = environment;
        r.sha = sha_;
        r.date = date;
        r.status = status;
        return deliver(std::string(k_register_deploy_event_type), make_register_deploy_record(r),
                       std::nullopt, storage::EventSource::register_deploy);
    }

    // git.pullrequest.created / updated / merged.
    std::uint64_t pull_request(const std::string& type, const PullRequest& p, Timestamp when,
                               const std::string& event_id) {
        return deliver(type, envelope(event_id, type, pull_request_object(p), when), when,
                       storage::EventSource::webhook, event_id);
    }

    std::uint64_t pull_request_comment(const PullRequest& p, const PrComment& c,
                                       const std::string& event_id) {
        const std::string type = "ms.vss-code.git-pullrequest-comment-event";
        return deliver(type,
                       envelope(event_id, type,
                                "{\"comment\":" + pr_comment_object(c) +
                                    ",\"pullRequest\":" + pull_request_object(p) + "}",
                                c.published),
                       c.published, storage::EventSource::webhook, event_id);
    }

    // The shiplog.pull_request record (REST): commits (sha, author date) or
    // none when the endpoint did not answer, and thread comments.
    std::uint64_t pull_request_rest(
        const PullRequest& p,
        const std::optional<std::vector<std::pair<std::string, Timestamp>>>& commits,
        const std::vector<PrComment>& comments, const std::string& event_id, Timestamp when) {
        std::string raw = "{\"pullRequest\":" + pull_request_object(p) + ",\"commits\":";
        if (!commits) {
            raw += "null";
        } else {
            raw += "[";
            for (std::size_t i = 0; i < commits->size(); ++i)
                raw += std::string(i ? "," : "") + "{\"commitId\":\"" + (*commits)[i].first +
                       "\",\"author\":{\"name\":\"Dev\",\"date\":\"" + iso((*commits)[i].second) +
                       "\"}}";
            raw += "]";
        }
        raw += ",\"threads\":[{\"id\":1,\"comments\":[";
        for (std::size_t i = 0; i < comments.size(); ++i)
            raw += std::string(i ? "," : "") + pr_comment_object(comments[i]);
        raw += "]}]}";
        return deliver("shiplog.pull_request", raw, when, storage::EventSource::backfill, event_id);
    }

    std::vector<DeployView> deploys(const std::string& name = "web-api",
                                    const std::string& environment = "production") {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto result = deploys_of(txn, m_projector->tables(), name, environment);
        EXPECT_OK(result);
        return result ? *result : std::vector<DeployView>{};
    }

    std::string all_json() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto result = list_deploys(txn, m_projector->tables(), DeployFilter{{}, {}, 0});
        EXPECT_OK(result);
        return result ? deploys_json(*result) : "";
    }

    std::vector<QueueItem> queue() {
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto result = list_pending(txn, m_projector->tables());
        EXPECT_OK(result);
        return result ? *result : std::vector<QueueItem>{};
    }

    static std::vector<std::string> shas_of(const DeployView& d) {
        std::vector<std::string> out;
        for (const auto& c : d.commits) out.push_back(c.sha);
        return out;
    }

    shiplog::testing::TempDir m_dir;
    std::shared_ptr<config::Config> m_config;
    std::unique_ptr<storage::Store> m_store;
    std::unique_ptr<Projector> m_projector;
    int m_next_id = 0;
    std::optional<lmdb::txn> m_batch;
};

}  // namespace shiplog::tracking::test
