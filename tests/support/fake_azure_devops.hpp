#pragma once
// An in-process fake of the Azure DevOps REST endpoints shiplog uses, on
// 127.0.0.1:<ephemeral port> (cpp-httplib server on its own thread).
//
// Shapes follow ../shared/fixtures/azure-devops/rest: lists are
// {count, value:[...]}, subscriptions read back with basicAuthPassword masked
// as "********", server-added publisherInputs hostId/tfsSubscriptionId and a
// `status` field. Lists page with x-ms-continuationtoken /
// continuationToken; failures (429 with Retry-After, 5xx) can be injected;
// every request is recorded, Authorization header included. Every request
// must carry api-version and `Authorization: Basic base64(":" + token)` or
// gets 401. Like a real server it refuses an api-version above the one it
// supports, and validates subscription bodies (input ids, the git.push
// branch as a full ref, ^\S+$ webhook credentials, and the list inputs
// definitionName and branch against what inputValuesQuery offers).
//
// Thread-safe: tests call it while the server thread serves.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace shiplog::testing {

struct FakeRequest {
    std::string method;
    std::string path;  // decoded, without query
    std::map<std::string, std::string> params;
    std::string authorization;
    std::string body;
};

struct FakeSubscription {
    std::string id;
    std::string status = "enabled";
    std::string publisher_id = "tfs";
    std::string event_type;
    std::string resource_version;
    std::string consumer_id = "webHooks";
    std::string consumer_action_id = "httpRequest";
    std::map<std::string, std::string> publisher_inputs;  // as sent (no server-added keys)
    std::map<std::string, std::string> consumer_inputs;   // as sent, password in clear
    std::int64_t probation_retries = 0;
};

// A commit in a fake repository (GitCommitRef shape when served).
struct FakeCommit {
    std::string sha;
    std::vector<std::string> parents;
    std::string author_name = "Ada";
    std::string author_email = "ada@contoso.example";
    std::string author_date = "2026-11-19T08:00:00Z";
    std::string comment;
    bool comment_truncated = false;
};

// A build (= pipeline run) served by GET {project}/_apis/build/builds/{id}.
struct FakeBuild {
    std::int64_t id = 0;
    std::string project;
    std::string definition;
    std::string source_branch = "refs/heads/main";
    std::string source_version;
    std::string status = "completed";
    std::string result = "succeeded";
};

// A delivery in a subscription's history (POST _apis/hooks/notificationsquery).
struct FakeNotification {
    std::int64_t id = 0;
    std::string subscription_id;
    std::string result = "failed";  // pending, succeeded, failed, filtered
    std::string created_date;       // RFC 3339, compared as text with minCreatedDate
    std::string event_json;         // served as details.event
};

// A push in a repository's history (GET .../pushes, GET .../pushes/{id}).
struct FakePush {
    std::int64_t push_id = 0;
    std::string ref_name;  // "refs/heads/main"
    std::string date;      // RFC 3339, compared as text with searchCriteria.fromDate
    std::string
        json;  // the GitPush served by GET .../pushes/{id} (commits and refUpdates included)
    // Like Azure DevOps, GET .../pushes/{id} lists at most `includeCommits`
    // commits of `json` (none without the parameter): a push of more commits
    // than asked for is served cut to the first (newest) ones.
};

// A pull request served by GET {project}/_apis/git/repositories/{repo}/pullrequests
// (newest id first, $top/$skip), .../pullRequests/{id}, .../pullRequests/{id}/commits
// (continuation pages) and .../pullRequests/{id}/threads.
struct FakePullRequest {
    std::int64_t id = 0;
    std::string json;                  // the GitPullRequest
    std::vector<std::string> commits;  // GitCommitRef JSON texts
    bool commits_missing = false;      // .../commits answers 404
    std::vector<std::string> threads;  // GitPullRequestCommentThread JSON texts
};

// ---- backfill (bf): work items and capped notification history ----

// A work item served by POST {project}/_apis/wit/wiql (when its changed_date
// matches) and GET {project}/_apis/wit/workitems?ids= (as `json`).
struct FakeWorkItem {
    std::int64_t id = 0;
    std::string project;
    std::string changed_date;  // RFC 3339 UTC; compared as text (by day without timePrecision=true)
    std::string json;          // {id, rev, fields, relations, url}
};

// ---- classic release (Release Management REST; the fake serves it on the
// collection URL, like Azure DevOps Server) ----

// A release definition served by GET {project}/_apis/release/definitions?searchText=.
struct FakeReleaseDefinition {
    std::int64_t id = 0;
    std::string project;
    std::string name;
    std::vector<std::pair<std::int64_t, std::string>> environments;  // (id, name)
};

// A release artifact (Release.artifacts[]); type "Build" carries a build id.
struct FakeReleaseArtifact {
    std::string type = "Build";
    std::string alias = "_web-api-ci";
    bool is_primary = true;
    std::string build_id;    // definitionReference.version.id
    std::string definition;  // definitionReference.definition.name
    std::string repository;  // definitionReference.repository.name
    std::string branch = "refs/heads/main";
    std::string source_version;  // definitionReference.sourceVersion.id ("" = not sent)
};

// A release served by GET {project}/_apis/release/releases/{id}.
struct FakeRelease {
    std::int64_t id = 0;
    std::string project;
    std::int64_t definition_id = 0;
    std::string definition;
    std::vector<FakeReleaseArtifact> artifacts;
};

// Which version of a commitsbatch query the fake walks history from (the
// newer sha): the spec says compareVersion ("start walking history starting
// at this commit"); servers are not known to agree.
enum class CommitsbatchReading { walk_from_compare, walk_from_item };

class FakeAzureDevOps {
  public:
    // Serves http://127.0.0.1:<port>/<collection>; `token` is the PAT it accepts.
    explicit FakeAzureDevOps(std::string token, std::string collection = "contoso");
    ~FakeAzureDevOps();
    FakeAzureDevOps(const FakeAzureDevOps&) = delete;
    FakeAzureDevOps& operator=(const FakeAzureDevOps&) = delete;

    int port() const { return m_port; }
    std::string organization_url() const;  // http://127.0.0.1:<port>/<collection>

    void add_project(const std::string& name, const std::string& id);
    void add_repository(const std::string& project, const std::string& name, const std::string& id);
    void add_build_definition(const std::string& project, const std::string& name, std::int64_t id);
    // A branch inputValuesQuery lists for the repository's git.push `branch`
    // input (a full ref name). A repository with listed branches refuses a
    // subscription to any other; one without accepts any refs/heads/ ref.
    void add_branch(const std::string& project, const std::string& repository,
                    const std::string& ref_name);
    // Adds a subscription as if someone created it; returns its id (generated when empty).
    std::string add_subscription(FakeSubscription s);
    void set_status(const std::string& id, const std::string& status);
    // Git history for GET .../commits/{sha} and POST .../commitsbatch
    // (itemVersion/compareVersion of versionType commit, $top/$skip paging).
    void add_commit(const std::string& project, const std::string& repository, FakeCommit commit);
    void add_build(FakeBuild build);
    void add_notification(FakeNotification n);
    void add_push(const std::string& project, const std::string& repository, FakePush push);
    void add_pull_request(const std::string& project, const std::string& repository,
                          FakePullRequest pr);  // replaces one with the same id

    void add_release_definition(FakeReleaseDefinition d);
    void add_release(FakeRelease r);

    // Lists return at most `n` items per page (default 100).
    void set_page_size(std::size_t n);
    // Requests asking for a higher api-version get 400 with Azure DevOps
    // Server's VssVersionOutOfRangeException text (default "7.1").
    void set_max_api_version(std::string version);
    // Default: walk_from_compare.
    void set_commitsbatch_reading(CommitsbatchReading reading);

    // ---- backfill (bf) ----
    void add_work_item(FakeWorkItem item);  // replaces one with the same id
    // notificationsquery returns at most min(n, maxResults) results
    // (default n: 1000), newest first unless told otherwise.
    void set_notifications_cap(std::size_t n, bool newest_first = true);
    // The next `count` requests get `status` (with Retry-After when given).
    void fail_next(int count, int status, std::optional<int> retry_after_seconds = std::nullopt);

    std::vector<FakeSubscription> subscriptions() const;
    std::vector<FakeRequest> requests() const;
    void clear_requests();

  private:
    struct State;
    std::unique_ptr<State> m_state;
    int m_port = 0;
};

}  // namespace shiplog::testing
