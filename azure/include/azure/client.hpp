#pragma once
// The Azure DevOps REST client: the one seam between shiplog and Azure DevOps
// (Services `https://dev.azure.com/{org}` or Server
// `https://host/tfs/{collection}`). make_http_client() returns the real
// implementation over cpp-httplib; tests drive it against
// tests/support/fake_azure_devops and may substitute their own
// AzureDevOpsClient.
//
// Every call: PAT as basic auth with an empty user name, `api-version=7.1`,
// connect/read timeouts, retries with exponential backoff and jitter on 429,
// 5xx and connection failures (honouring `Retry-After`), and continuation-token
// paging for lists. Failures are ErrorCode::remote (or not_found for a name
// that does not exist, unauthorized for 401/403) with a one-line message naming
// the call and the status, e.g. "GET _apis/hooks/subscriptions: HTTP 401";
// never the token.
//
// Threading: one client object serves one thread at a time (callers that share
// it must serialise); distinct client objects are independent.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace shiplog::azure {

// About how far back Azure DevOps keeps service-hook notification history:
// the reach of a backfill with nothing better to start from, and of the
// "last delivery" column of `hooks list`.
inline constexpr std::chrono::hours k_notification_history{24 * 14};

struct Project {
    std::string id;  // GUID
    std::string name;
};

struct Repository {
    std::string id;  // GUID
    std::string name;
    std::string project_id;
};

struct BuildDefinition {
    std::int64_t id = 0;  // also the pipeline id of a YAML pipeline
    std::string name;
};

// A service-hook subscription as Azure DevOps holds it (docs/azure-devops.md). Confidential
// consumer inputs (basicAuthPassword) read back as "********".
struct Subscription {
    std::string id;            // empty on create
    std::string status;        // enabled, onProbation, disabledByUser, ...; "enabled" when absent
    std::string publisher_id;  // tfs, pipelines, rm
    std::string event_type;    // git.push, build.complete, ...
    std::string resource_version;  // pinned per event type
    std::string consumer_id = "webHooks";
    std::string consumer_action_id = "httpRequest";
    std::map<std::string, std::string>
        publisher_inputs;  // filters (+ server-added hostId, tfsSubscriptionId)
    std::map<std::string, std::string>
        consumer_inputs;  // url, basicAuthUsername, basicAuthPassword, httpHeaders
    std::int64_t probation_retries = 0;
};

// A build (pipeline run; a run id is a build id), from GET build/builds/{id}.
struct Build {
    std::int64_t id = 0;
    std::string definition;      // definition.name
    std::string project;         // project.name
    std::string source_branch;   // "refs/heads/main"
    std::string source_version;  // the commit sha; empty when the server sent none
    std::string status;          // inProgress, completed, ...
    std::string result;          // succeeded, failed, ... (empty while running)
};

// A commit as the Git REST API lists it (GitCommitRef).
struct Commit {
    std::string sha;
    std::vector<std::string> parents;  // parent shas, as listed
    std::string author_name;
    std::string author_email;
    std::string author_date;  // RFC 3339 as sent
    std::string comment;
    bool comment_truncated = false;
};

// One delivery of a subscription, from POST _apis/hooks/notificationsquery
// with includeDetails: the event it carried, as JSON text.
struct Notification {
    std::int64_t id = 0;
    std::string subscription_id;
    std::string event_id;
    std::string result;        // pending, succeeded, failed, filtered
    std::string created_date;  // RFC 3339 as sent
    std::string event_json;    // details.event, minified; "" when absent
};

// ---- classic release (Release Management REST, see release_management_url) ----

// A release definition with its environments (stages), from
// GET {vsrm}/{project}/_apis/release/definitions?searchText=&$expand=environments.
struct ReleaseDefinition {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::pair<std::int64_t, std::string>>
        environments;  // (definition environment id, name)
};

// One artifact of a release (Release.artifacts[]); definitionReference's
// ArtifactSourceReference values, by key.
struct ReleaseArtifact {
    std::string type;  // "Build", "Git", ...
    std::string alias;
    bool is_primary = false;
    std::string build_id;        // definitionReference.version.id (a build id for type Build)
    std::string definition;      // definitionReference.definition.name (the build pipeline)
    std::string repository;      // definitionReference.repository.name
    std::string branch;          // definitionReference.branch.id ("refs/heads/main")
    std::string source_version;  // definitionReference.sourceVersion.id (a sha, when sent)
    std::string project;         // definitionReference.project.name (else .id): the artifact's
                                 // own project, where its build lives
};

// The REST version an Azure DevOps Server names when it refuses a newer one
// ("... The latest REST API version this server supports is 6.0."), as
// "major.minor"; empty when `message` is not that refusal.
std::string supported_api_version(std::string_view message);

// GET {vsrm}/{project}/_apis/release/releases/{id}.
struct Release {
    std::int64_t id = 0;
    std::string definition;  // releaseDefinition.name
    std::vector<ReleaseArtifact> artifacts;
};

// The base URL of the Release Management REST API for `organization_url`:
// Azure DevOps Services serves it from another host
// (https://dev.azure.com/{org} -> https://vsrm.dev.azure.com/{org},
// https://{org}.visualstudio.com -> https://{org}.vsrm.visualstudio.com);
// Azure DevOps Server (and the test fake) from the collection URL itself.
std::string release_management_url(const std::string& organization_url);

// A work item as GET {project}/_apis/wit/workitems?ids=&$expand=relations
// returns it (id, rev, fields, relations), as JSON text.
struct WorkItemJson {
    std::int64_t id = 0;
    std::int64_t rev = 0;
    std::string json;
};

// Waits for `d`; injected so tests never really sleep.
using SleepFunction = std::function<void(std::chrono::milliseconds d)>;

struct ClientOptions {
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds read_timeout{30};
    int max_attempts = 5;                                // per call, including the first
    std::chrono::milliseconds initial_backoff{500};      // doubled per retry, with jitter
    std::chrono::milliseconds max_backoff{30'000};       // cap for the computed backoff
    std::chrono::milliseconds max_retry_after{120'000};  // cap for a server's Retry-After
    SleepFunction sleep;                                 // default: std::this_thread::sleep_for
    std::function<double()> jitter;                      // uniform [0,1); default: random
    int commits_page_size = 1000;                        // $top of commitsbatch pages
    int notifications_page_size = 200;  // maxResults of one notificationsquery window
};

class AzureDevOpsClient {
  public:
    virtual ~AzureDevOpsClient() = default;

    // GET _apis/projects (all pages).
    virtual Result<std::vector<Project>> list_projects() = 0;
    // GET _apis/projects/{name}; not_found names the project.
    virtual Result<Project> get_project(const std::string& name) = 0;
    // GET {project}/_apis/git/repositories/{name}; not_found names both.
    virtual Result<Repository> get_repository(const std::string& project,
                                              const std::string& name) = 0;
    // GET {project}/_apis/build/definitions?name={name}; not_found names both.
    virtual Result<BuildDefinition> get_build_definition(const std::string& project,
                                                         const std::string& name) = 0;

    // GET _apis/hooks/subscriptions (all pages).
    virtual Result<std::vector<Subscription>> list_subscriptions() = 0;
    // POST _apis/hooks/subscriptions; returns what Azure DevOps stored (with its id).
    virtual Result<Subscription> create_subscription(const Subscription& s) = 0;
    // PUT _apis/hooks/subscriptions/{s.id}.
    virtual Result<Subscription> replace_subscription(const Subscription& s) = 0;
    // DELETE _apis/hooks/subscriptions/{id}; an already deleted one (404) is success.
    virtual Status delete_subscription(const std::string& id) = 0;
    // POST _apis/hooks/publishers/{publisher}/inputValuesQuery for one input
    // of `event_type`, given the inputs it depends on (projectId, repository):
    // the values the server accepts for it, in its spelling. An answer that
    // carries an error for the input is ErrorCode::remote.
    virtual Result<std::vector<std::string>> query_input_values(
        const std::string& publisher_id, const std::string& event_type,
        const std::map<std::string, std::string>& current_values, const std::string& input_id) = 0;

    // The work queue's look-ups.
    // GET {project}/_apis/build/builds/{id}; not_found when it does not exist.
    virtual Result<Build> get_build(const std::string& project, std::int64_t id) = 0;
    // The commits reachable from `to` but not from `from`, newest first:
    // POST {project}/_apis/git/repositories/{repo}/commitsbatch with
    // itemVersion=to, compareVersion=from ($top/$skip pages). An empty
    // `from` gives just the commit `to` (GET .../commits/{to}).
    virtual Result<std::vector<Commit>> commits_between(const std::string& project,
                                                        const std::string& repository,
                                                        const std::string& from,
                                                        const std::string& to) = 0;

    // backfill's history.
    // POST _apis/hooks/notificationsquery {subscriptionIds, minCreatedDate, includeDetails: true}.
    // Azure DevOps caps the results (maxResults, and its own cap) and has no
    // continuation token: each answer moves the time window past its newest
    // (or, listed newest first, before its oldest) createdDate and asks again
    // until an answer brings no new notification; deduplicated by id.
    virtual Result<std::vector<Notification>> query_notifications(
        const std::vector<std::string>& subscription_ids, const std::string& min_created_date) = 0;
    // GET
    // {project}/_apis/git/repositories/{repo}/pushes?searchCriteria.fromDate&searchCriteria.refName
    // ($top/$skip pages): the push ids, in the order listed.
    virtual Result<std::vector<std::int64_t>> list_push_ids(const std::string& project,
                                                            const std::string& repository,
                                                            const std::string& ref_name,
                                                            const std::string& from_date) = 0;
    // GET .../pushes/{id}?includeCommits=1000&includeRefUpdates=true: the GitPush as JSON text
    // (the same resource a git.push delivery carries).
    virtual Result<std::string> get_push_json(const std::string& project,
                                              const std::string& repository,
                                              std::int64_t push_id) = 0;
    // GET {project}/_apis/build/builds?definitions={id}&minTime=&statusFilter=completed
    // (continuation pages): each Build's id and JSON text (a build.complete 2.0 resource).
    virtual Result<std::vector<std::pair<std::int64_t, std::string>>> list_completed_builds_json(
        const std::string& project, std::int64_t definition_id, const std::string& min_time) = 0;

    // backfill's and the work queue's pull requests.
    // GET {project}/_apis/git/repositories/{repo}/pullrequests?searchCriteria.status=all
    // ($top/$skip pages): each GitPullRequest as JSON text, as listed (newest first).
    virtual Result<std::vector<std::string>> list_pull_requests_json(
        const std::string& project, const std::string& repository) = 0;
    // GET .../pullRequests/{id}: the GitPullRequest as JSON text; not_found when it does not exist.
    virtual Result<std::string> get_pull_request_json(const std::string& project,
                                                      const std::string& repository,
                                                      std::int64_t id) = 0;
    // GET .../pullRequests/{id}/commits (continuation pages) as one JSON array
    // of GitCommitRef; not_found when the endpoint answers 404.
    virtual Result<std::string> pull_request_commits_json(const std::string& project,
                                                          const std::string& repository,
                                                          std::int64_t id) = 0;
    // GET .../pullRequests/{id}/threads as one JSON array of comment threads.
    virtual Result<std::string> pull_request_threads_json(const std::string& project,
                                                          const std::string& repository,
                                                          std::int64_t id) = 0;

    // backfill's work-item history.
    // POST {project}/_apis/wit/wiql?timePrecision=true
    // {"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project
    //            AND [System.ChangedDate] >= '<changed_since>' ORDER BY [System.ChangedDate] ASC"}:
    // the ids of the work items changed since then, in that order.
    virtual Result<std::vector<std::int64_t>> changed_work_item_ids(
        const std::string& project, const std::string& changed_since) = 0;
    // GET {project}/_apis/wit/workitems?ids=...&$expand=relations&errorPolicy=omit in batches
    // of at most 200 ids: each work item still there (a deleted one is left out).
    virtual Result<std::vector<WorkItemJson>> get_work_items_json(
        const std::string& project, const std::vector<std::int64_t>& ids) = 0;

    // Classic release look-ups, on release_management_url().
    // GET {vsrm}/{project}/_apis/release/definitions?searchText={name}&$expand=environments
    // (continuation pages); not_found names the definition and the project.
    virtual Result<ReleaseDefinition> get_release_definition(const std::string& project,
                                                             const std::string& name) = 0;
    // GET {vsrm}/{project}/_apis/release/releases/{id}; not_found when it does not exist.
    virtual Result<Release> get_release(const std::string& project, std::int64_t id) = 0;
};

// The real client. Fails (config error) only when organization_url cannot be
// parsed as http(s)://host[:port][/path].
Result<std::unique_ptr<AzureDevOpsClient>> make_http_client(const config::AzureDevOpsConfig& config,
                                                            ClientOptions options = {});

}  // namespace shiplog::azure
