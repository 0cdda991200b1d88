#include "support/fake_azure_devops.hpp"

#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "common/ascii.hpp"

namespace shiplog::testing {
namespace {

std::string base64(std::string_view in) {
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i + 1 == in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string q(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string object(const std::map<std::string, std::string>& m) {
    std::string out = "{";
    for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + q(k) + ":" + q(v);
    return out + "}";
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// A GitPush as GET .../pushes/{id}?includeCommits=N serves it: at most N
// commits (none without the parameter), the first ones listed (Azure DevOps
// lists them newest first). Served verbatim when nothing has to be cut, so
// hand-written pushes without a commit list read back unchanged.
std::string push_with_commits_capped(const std::string& json, std::size_t cap) {
    simdjson::dom::parser parser;
    simdjson::dom::object push;
    if (parser.parse(simdjson::padded_string(json)).get(push) != simdjson::SUCCESS) return json;
    simdjson::dom::array commits;
    if (push["commits"].get(commits) != simdjson::SUCCESS || commits.size() <= cap) return json;
    std::string out = "{";
    for (auto field : push) {
        if (out.size() > 1) out += ",";
        out += "\"" + std::string(field.key) + "\":";  // GitPush keys need no escaping
        if (field.key != "commits") {
            out += simdjson::to_string(field.value);
            continue;
        }
        out += "[";
        std::size_t n = 0;
        for (auto c : commits) {
            if (n == cap) break;
            out += (n++ ? "," : "") + simdjson::to_string(c);
        }
        out += "]";
    }
    return out + "}";
}

std::string error_body(const std::string& message) {
    return "{\"$id\":\"1\",\"innerException\":null,\"message\":" + q(message) +
           ",\"typeName\":\"Microsoft.TeamFoundation.Core.WebApi."
           "ProjectDoesNotExistWithNameException\",\"errorCode\":0}";
}

}  // namespace

struct FakeAzureDevOps::State {
    std::string token;
    std::string collection;
    mutable std::mutex mutex;
    httplib::Server server;
    std::thread thread;

    std::map<std::string, std::string> projects;  // name -> id
    std::map<std::pair<std::string, std::string>, std::string> repositories;
    std::map<std::pair<std::string, std::string>, std::int64_t> definitions;
    std::map<std::pair<std::string, std::string>, std::vector<std::string>>
        branches;  // (project, repo) -> full ref names
    std::vector<FakeSubscription> subscriptions;
    std::map<std::pair<std::string, std::string>, std::map<std::string, FakeCommit>>
        commits;  // (project, repo)
    std::map<std::int64_t, FakeBuild> builds;
    std::vector<FakeNotification> notifications;
    std::map<std::pair<std::string, std::string>, std::map<std::int64_t, FakePush>>
        pushes;  // (project, repo)
    std::map<std::pair<std::string, std::string>, std::map<std::int64_t, FakePullRequest>>
        pull_requests;  // (project, repo)
    std::vector<FakeReleaseDefinition> release_definitions;
    std::map<std::int64_t, FakeRelease> releases;
    int next_id = 1;
    std::size_t page_size = 100;
    int fail_count = 0;
    int fail_status = 500;
    std::string max_api_version = "7.1";
    CommitsbatchReading reading = CommitsbatchReading::walk_from_compare;
    std::optional<int> fail_retry_after;
    std::vector<FakeRequest> requests;
    // backfill (bf)
    std::map<std::int64_t, FakeWorkItem> work_items;
    std::size_t notifications_cap = 1000;
    bool notifications_newest_first = true;

    std::string new_id() {
        char buf[40];
        std::snprintf(buf, sizeof buf, "5b0c0000-0000-4000-8000-%012d", next_id++);
        return buf;
    }

    std::string subscription_json(const FakeSubscription& s) const {
        auto pub = s.publisher_inputs;
        pub["hostId"] = "d81542e4-cdfa-4333-b082-1ae2d6c3ad16";
        pub["tfsSubscriptionId"] = "e15ed970-8b92-4b71-8ec2-" + s.id.substr(s.id.size() - 12);
        auto con = s.consumer_inputs;
        if (auto it = con.find("basicAuthPassword"); it != con.end()) it->second = "********";
        std::string out = "{\"id\":" + q(s.id) + ",\"url\":" +
                          q("http://fake/" + collection + "/_apis/hooks/subscriptions/" + s.id);
        if (s.status != "enabled")
            out += ",\"status\":" + q(s.status);  // enabled ones often omit it
        out += ",\"publisherId\":" + q(s.publisher_id) + ",\"eventType\":" + q(s.event_type) +
               ",\"resourceVersion\":" +
               (s.resource_version.empty() ? std::string("null") : q(s.resource_version)) +
               ",\"consumerId\":" + q(s.consumer_id) +
               ",\"consumerActionId\":" + q(s.consumer_action_id) +
               ",\"probationRetries\":" + std::to_string(s.probation_retries) +
               ",\"createdBy\":{\"id\":\"00ca946b-2fe9-4f2a-ae2f-40d5c48001bc\"},\"createdDate\":"
               "\"2026-11-20T10:00:00Z\"" +
               ",\"publisherInputs\":" + object(pub) + ",\"consumerInputs\":" + object(con) + "}";
        return out;
    }

    // Pages `items` (JSON texts) by continuation token "ct-<offset>".
    void page(const httplib::Request& req, httplib::Response& res,
              const std::vector<std::string>& items) const {
        std::size_t offset = 0;
        if (req.has_param("continuationToken")) {
            auto ct = req.get_param_value("continuationToken");
            if (ct.rfind("ct-", 0) != 0) {
                res.status = 400;
                res.set_content(error_body("bad continuationToken"), "application/json");
                return;
            }
            offset = std::stoul(ct.substr(3));
        }
        std::size_t end = std::min(items.size(), offset + page_size);
        std::string body =
            "{\"count\":" + std::to_string(end > offset ? end - offset : 0) + ",\"value\":[";
        for (std::size_t i = offset; i < end; ++i) body += (i > offset ? "," : "") + items[i];
        body += "]}";
        if (end < items.size())
            res.set_header("x-ms-continuationtoken", "ct-" + std::to_string(end));
        res.status = 200;
        res.set_content(body, "application/json; charset=utf-8");
    }

    bool parse_subscription(const std::string& body, FakeSubscription& s) const {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(simdjson::padded_string(body)).get(doc) != simdjson::SUCCESS) return false;
        auto str = [&](const char* key) {
            std::string_view v;
            return doc[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
        };
        auto inputs = [&](const char* key) {
            std::map<std::string, std::string> m;
            simdjson::dom::object obj;
            if (doc[key].get(obj) == simdjson::SUCCESS)
                for (auto f : obj) {
                    std::string_view v;
                    if (f.value.get(v) == simdjson::SUCCESS) m[std::string(f.key)] = std::string(v);
                }
            return m;
        };
        s.publisher_id = str("publisherId");
        s.event_type = str("eventType");
        s.resource_version = str("resourceVersion");
        s.consumer_id = str("consumerId");
        s.consumer_action_id = str("consumerActionId");
        s.publisher_inputs = inputs("publisherInputs");
        s.consumer_inputs = inputs("consumerInputs");
        std::string status = str("status");
        if (!status.empty()) s.status = status;
        return !s.event_type.empty() && !s.publisher_id.empty();
    }

    // What Azure DevOps checks on create and replace: publisher input ids
    // the event type declares (stored in the server's spelling), the
    // git.push branch as a full ref, and the webHooks credentials' pattern
    // ^\S+$ (1-256 characters), and list inputs against the values
    // inputValuesQuery offers (definitionName; branch when the repository has
    // listed branches). Empty: valid.
    std::string invalid_subscription(FakeSubscription& s) const {
        static const std::map<std::string, std::vector<std::string>> k_inputs = {
            {"git.push", {"projectId", "repository", "branch", "pushedBy"}},
            {"git.pullrequest.created",
             {"projectId", "repository", "branch", "pullrequestCreatedBy",
              "pullrequestReviewersContains"}},
            {"git.pullrequest.updated",
             {"projectId", "repository", "branch", "pullrequestCreatedBy",
              "pullrequestReviewersContains", "notificationType"}},
            {"git.pullrequest.merged",
             {"projectId", "repository", "branch", "pullrequestCreatedBy",
              "pullrequestReviewersContains", "mergeResult"}},
            {"ms.vss-code.git-pullrequest-comment-event", {"projectId", "repository", "branch"}},
            {"build.complete", {"projectId", "definitionName", "buildStatus"}},
            {"ms.vss-pipelines.stage-state-changed-event",
             {"projectId", "pipelineId", "stageNameId", "stageStateId"}},
            {"ms.vss-pipelines.run-state-changed-event", {"projectId", "pipelineId", "runStateId"}},
            {"ms.vss-release.deployment-completed-event",
             {"projectId", "releaseDefinitionId", "releaseEnvironmentId",
              "releaseEnvironmentStatus"}},
        };
        auto known = k_inputs.find(s.event_type);
        if (known != k_inputs.end()) {
            std::map<std::string, std::string> stored;
            for (const auto& [k, v] : s.publisher_inputs) {
                // Named: clang 14 cannot capture a structured binding.
                const std::string& name = k;
                auto id =
                    std::find_if(known->second.begin(), known->second.end(),
                                 [&name](const std::string& n) { return ascii::iequals(n, name); });
                if (id == known->second.end())
                    return "The publisher input '" + k + "' is not valid for event type '" +
                           s.event_type + "'.";
                stored[*id] = v;  // the server's spelling of the id
            }
            s.publisher_inputs = std::move(stored);
        }
        if (s.event_type == "git.push") {
            auto branch = s.publisher_inputs.find("branch");
            if (branch != s.publisher_inputs.end() && !branch->second.empty()) {
                auto offered = possible_values("branch", s.publisher_inputs);
                if (branch->second.rfind("refs/heads/", 0) != 0 ||
                    (!offered.empty() &&
                     std::find(offered.begin(), offered.end(), branch->second) == offered.end()))
                    return "The value '" + branch->second +
                           "' is not valid for input 'branch': it is not among the values the "
                           "repository offers.";
            }
        }
        if (s.event_type == "build.complete") {
            auto name = s.publisher_inputs.find("definitionName");
            if (name != s.publisher_inputs.end() && !name->second.empty()) {
                auto offered = possible_values("definitionName", s.publisher_inputs);
                if (std::find(offered.begin(), offered.end(), name->second) == offered.end())
                    return "The value '" + name->second +
                           "' is not valid for input 'definitionName': it is not among the "
                           "values the project offers.";
            }
        }
        for (const char* name : {"basicAuthUsername", "basicAuthPassword"}) {
            auto it = s.consumer_inputs.find(name);
            if (it == s.consumer_inputs.end() || it->second.empty()) continue;
            const bool spaces = std::any_of(it->second.begin(), it->second.end(),
                                            [](unsigned char c) { return std::isspace(c) != 0; });
            if (spaces || it->second.size() > 256)
                return std::string("The value of input '") + name +
                       "' is not valid: it must match the pattern ^[\\S]+$ and be at most 256 "
                       "characters long.";
        }
        return {};
    }

    std::string project_named(const std::map<std::string, std::string>& inputs) const {
        auto id = inputs.find("projectId");
        if (id == inputs.end()) return {};
        for (const auto& [name, pid] : projects)
            if (pid == id->second || name == id->second) return name;
        return {};
    }

    // What inputValuesQuery offers for `input` given the other inputs: the
    // project's build definition names, the repository's branches (full refs).
    std::vector<std::string> possible_values(
        const std::string& input, const std::map<std::string, std::string>& inputs) const {
        std::vector<std::string> out;
        const std::string project = project_named(inputs);
        if (input == "definitionName") {
            for (const auto& [key, id] : definitions)
                if (key.first == project) out.push_back(key.second);
        } else if (input == "branch") {
            auto repo = inputs.find("repository");
            for (const auto& [key, id] : repositories)
                if (key.first == project && repo != inputs.end() && id == repo->second)
                    if (auto b = branches.find(key); b != branches.end()) out = b->second;
        }
        return out;
    }

    // POST _apis/hooks/publishers/{id}/inputValuesQuery: the InputValuesQuery
    // sent, with possibleValues (or an error) filled in for each input asked.
    void input_values_query(const httplib::Request& req, httplib::Response& res) const {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(simdjson::padded_string(req.body)).get(doc) != simdjson::SUCCESS) {
            res.status = 400;
            res.set_content(error_body("bad InputValuesQuery"), "application/json");
            return;
        }
        std::map<std::string, std::string> current;
        simdjson::dom::object obj;
        if (doc["currentValues"].get(obj) == simdjson::SUCCESS)
            for (auto f : obj) {
                std::string_view v;
                if (f.value.get(v) == simdjson::SUCCESS)
                    current[std::string(f.key)] = std::string(v);
            }
        std::string answers;
        simdjson::dom::array asked;
        if (doc["inputValues"].get(asked) == simdjson::SUCCESS)
            for (auto a : asked) {
                std::string_view id;
                if (a["inputId"].get(id) != simdjson::SUCCESS) continue;
                std::string one = "{\"inputId\":" + q(std::string(id));
                if (project_named(current).empty()) {
                    one +=
                        ",\"error\":{\"message\":\"TF200016: The following project does not "
                        "exist.\"}";
                } else {
                    std::string values;
                    for (const auto& v : possible_values(std::string(id), current))
                        values += std::string(values.empty() ? "" : ",") + "{\"value\":" + q(v) +
                                  ",\"displayValue\":" + q(v) + "}";
                    one +=
                        ",\"isLimitedToPossibleValues\":true,\"possibleValues\":[" + values + "]";
                }
                answers += (answers.empty() ? "" : ",") + one + "}";
            }
        res.set_content("{\"currentValues\":" + object(current) + ",\"inputValues\":[" + answers +
                            "],\"resource\":null}",
                        "application/json; charset=utf-8");
    }

    // "7.1", "6.0-preview.1": major.minor compared numerically.
    static std::pair<int, int> version_of(std::string_view v) {
        int major = 0, minor = 0;
        std::sscanf(std::string(v).c_str(), "%d.%d", &major, &minor);
        return {major, minor};
    }

    static std::string commit_json(const FakeCommit& c) {
        return "{\"commitId\":" + q(c.sha) + ",\"author\":{\"name\":" + q(c.author_name) +
               ",\"email\":" + q(c.author_email) + ",\"date\":" + q(c.author_date) +
               "},\"committer\":{\"name\":" + q(c.author_name) + ",\"email\":" + q(c.author_email) +
               ",\"date\":" + q(c.author_date) + "},\"comment\":" + q(c.comment) +
               (c.comment_truncated ? ",\"commentTruncated\":true" : "") +
               ",\"parents\":" + string_list(c.parents) + ",\"url\":\"http://fake/commits/" +
               c.sha + "\"}";
    }

    static std::string string_list(const std::vector<std::string>& items) {
        std::string out = "[";
        for (const auto& i : items) out += (out.size() > 1 ? "," : "") + q(i);
        return out + "]";
    }

    static std::set<std::string> reachable(const std::map<std::string, FakeCommit>& repo,
                                           const std::string& from) {
        std::set<std::string> seen;
        std::vector<std::string> todo{from};
        while (!todo.empty()) {
            auto sha = todo.back();
            todo.pop_back();
            auto it = repo.find(sha);
            if (it == repo.end() || !seen.insert(sha).second) continue;
            for (const auto& p : it->second.parents) todo.push_back(p);
        }
        return seen;
    }

    bool handle_pull_requests(const httplib::Request& req, httplib::Response& res,
                              const std::vector<std::string>& parts,
                              const std::string& project_name) {
        auto not_found = [&](const std::string& message) {
            res.status = 404;
            res.set_content(error_body(message), "application/json");
            return true;
        };
        auto repo = pull_requests.find({project_name, parts[4]});
        if (parts.size() == 6) {
            std::size_t top = req.has_param("$top") ? std::stoul(req.get_param_value("$top")) : 101;
            std::size_t skip =
                req.has_param("$skip") ? std::stoul(req.get_param_value("$skip")) : 0;
            std::vector<const FakePullRequest*> list;
            if (repo != pull_requests.end())
                for (auto it = repo->second.rbegin(); it != repo->second.rend(); ++it)
                    list.push_back(&it->second);
            std::string values;
            std::size_t n = 0;
            for (std::size_t i = skip; i < list.size() && n < top; ++i, ++n)
                values += std::string(n ? "," : "") + list[i]->json;
            res.set_content("{\"count\":" + std::to_string(n) + ",\"value\":[" + values + "]}",
                            "application/json; charset=utf-8");
            return true;
        }
        const auto id = std::stoll(parts[6]);
        if (repo == pull_requests.end() || !repo->second.count(id))
            return not_found("TF401180: The requested pull request was not found.");
        const auto& pr = repo->second.at(id);
        if (parts.size() == 7) {
            res.set_content(pr.json, "application/json; charset=utf-8");
            return true;
        }
        if (parts.size() == 8 && parts[7] == "commits") {
            if (pr.commits_missing) return not_found("TF401180: commits not found.");
            page(req, res, pr.commits);
            return true;
        }
        if (parts.size() == 8 && parts[7] == "threads") {
            std::string body = "{\"count\":" + std::to_string(pr.threads.size()) + ",\"value\":[";
            for (std::size_t i = 0; i < pr.threads.size(); ++i)
                body += (i ? "," : "") + pr.threads[i];
            res.set_content(body + "]}", "application/json; charset=utf-8");
            return true;
        }
        return not_found("no such pull request resource");
    }

    // Builds, single commits and commitsbatch; false when `parts` is none of them.
    bool handle_history(const httplib::Request& req, httplib::Response& res,
                        const std::vector<std::string>& parts) {
        auto not_found = [&](const std::string& message) {
            res.status = 404;
            res.set_content(error_body(message), "application/json");
            return true;
        };
        std::string project_name;
        for (const auto& [name, id] : projects)
            if (name == parts[0] || id == parts[0]) project_name = name;
        if (parts.size() == 5 && parts[2] == "build" && parts[3] == "builds" &&
            req.method == "GET") {
            if (project_name.empty())
                return not_found("TF200016: The following project does not exist: " + parts[0]);
            auto it = builds.find(std::stoll(parts[4]));
            if (it == builds.end() || it->second.project != project_name)
                return not_found("The requested build " + parts[4] + " could not be found.");
            const auto& b = it->second;
            res.set_content("{\"id\":" + std::to_string(b.id) + ",\"buildNumber\":\"20261120." +
                                std::to_string(b.id) + "\",\"status\":" + q(b.status) +
                                (b.result.empty() ? "" : ",\"result\":" + q(b.result)) +
                                ",\"definition\":{\"id\":42,\"name\":" + q(b.definition) +
                                "},\"project\":{\"id\":" + q(projects.at(project_name)) +
                                ",\"name\":" + q(project_name) +
                                "},\"sourceBranch\":" + q(b.source_branch) +
                                ",\"sourceVersion\":" + q(b.source_version) + "}",
                            "application/json; charset=utf-8");
            return true;
        }
        const bool git = parts.size() >= 6 && parts[2] == "git" && parts[3] == "repositories";
        if (!git) return false;
        if (ascii::iequals(parts[5], "pullrequests") && req.method == "GET")
            return handle_pull_requests(req, res, parts, project_name);
        if (parts[5] == "pushes" && req.method == "GET") {
            auto history = pushes.find({project_name, parts[4]});
            if (parts.size() == 7) {
                auto id = std::stoll(parts[6]);
                if (history == pushes.end() || !history->second.count(id))
                    return not_found("TF401180: The requested push " + parts[6] +
                                     " could not be found.");
                const std::size_t cap = req.has_param("includeCommits")
                                            ? std::stoul(req.get_param_value("includeCommits"))
                                            : 0;
                res.set_content(push_with_commits_capped(history->second.at(id).json, cap),
                                "application/json; charset=utf-8");
                return true;
            }
            std::string from = req.has_param("searchCriteria.fromDate")
                                   ? req.get_param_value("searchCriteria.fromDate")
                                   : "";
            std::string ref = req.has_param("searchCriteria.refName")
                                  ? req.get_param_value("searchCriteria.refName")
                                  : "";
            std::size_t top = req.has_param("$top") ? std::stoul(req.get_param_value("$top")) : 100;
            std::size_t skip =
                req.has_param("$skip") ? std::stoul(req.get_param_value("$skip")) : 0;
            std::vector<const FakePush*> list;
            if (history != pushes.end())
                for (auto it = history->second.rbegin(); it != history->second.rend();
                     ++it)  // newest first
                    if ((from.empty() || it->second.date >= from) &&
                        (ref.empty() || it->second.ref_name == ref))
                        list.push_back(&it->second);
            std::string values;
            std::size_t n = 0;
            for (std::size_t i = skip; i < list.size() && n < top; ++i, ++n)
                values += std::string(n ? "," : "") +
                          "{\"pushId\":" + std::to_string(list[i]->push_id) +
                          ",\"date\":" + q(list[i]->date) + "}";
            res.set_content("{\"count\":" + std::to_string(n) + ",\"value\":[" + values + "]}",
                            "application/json; charset=utf-8");
            return true;
        }
        auto repo = commits.find({project_name, parts[4]});
        if (parts.size() == 7 && parts[5] == "commits" && req.method == "GET") {
            if (repo == commits.end() || !repo->second.count(parts[6]))
                return not_found("TF401175: The commit " + parts[6] +
                                 " does not exist in the repository.");
            res.set_content(commit_json(repo->second.at(parts[6])),
                            "application/json; charset=utf-8");
            return true;
        }
        if (parts.size() == 6 && parts[5] == "commitsbatch" && req.method == "POST") {
            simdjson::dom::parser parser;
            simdjson::dom::element doc;
            std::string_view item, compare;
            if (parser.parse(simdjson::padded_string(req.body)).get(doc) != simdjson::SUCCESS ||
                doc["itemVersion"]["version"].get(item) != simdjson::SUCCESS) {
                res.status = 400;
                res.set_content(error_body("bad GitQueryCommitsCriteria"), "application/json");
                return true;
            }
            if (doc["compareVersion"]["version"].get(compare) != simdjson::SUCCESS) compare = {};
            // The walk starts at `to` and stops at what `from` reaches; which
            // of the two versions is `to` is this server's reading.
            std::string_view to = item, from = compare;
            if (reading == CommitsbatchReading::walk_from_compare && !compare.empty())
                std::swap(to, from);
            if (repo == commits.end() || !repo->second.count(std::string(to)))
                return not_found("TF401175: The commit " + std::string(to) +
                                 " does not exist in the repository.");
            auto wanted = reachable(repo->second, std::string(to));
            if (!from.empty())
                for (const auto& sha : reachable(repo->second, std::string(from)))
                    wanted.erase(sha);
            std::vector<const FakeCommit*> list;
            for (const auto& sha : wanted) list.push_back(&repo->second.at(sha));
            // Newest first, as Azure DevOps lists history.
            std::sort(list.begin(), list.end(), [](const FakeCommit* a, const FakeCommit* b) {
                return std::tie(a->author_date, a->sha) > std::tie(b->author_date, b->sha);
            });
            std::size_t top = req.has_param("$top") ? std::stoul(req.get_param_value("$top")) : 100;
            std::size_t skip =
                req.has_param("$skip") ? std::stoul(req.get_param_value("$skip")) : 0;
            std::string body = "{\"count\":";
            std::string values;
            std::size_t n = 0;
            for (std::size_t i = skip; i < list.size() && n < top; ++i, ++n)
                values += (n ? "," : "") + commit_json(*list[i]);
            body += std::to_string(n) + ",\"value\":[" + values + "]}";
            res.set_content(body, "application/json; charset=utf-8");
            return true;
        }
        return false;
    }

    // ---- backfill (bf): POST {project}/_apis/wit/wiql, GET {project}/_apis/wit/workitems ----
    bool handle_work_items(const httplib::Request& req, httplib::Response& res,
                           const std::vector<std::string>& parts) {
        std::string project_name;
        for (const auto& [name, id] : projects)
            if (name == parts[0] || id == parts[0]) project_name = name;
        auto bad = [&](int status, const std::string& message) {
            res.status = status;
            res.set_content(error_body(message), "application/json");
            return true;
        };
        if (project_name.empty())
            return bad(404, "TF200016: The following project does not exist: " + parts[0]);
        if (parts[3] == "wiql" && req.method == "POST") {
            // Only the query backfill sends: "... [System.ChangedDate] >= '<date>' ...".
            simdjson::dom::parser parser;
            simdjson::dom::element doc;
            std::string_view query;
            if (parser.parse(simdjson::padded_string(req.body)).get(doc) != simdjson::SUCCESS ||
                doc["query"].get(query) != simdjson::SUCCESS)
                return bad(400, "bad Wiql");
            auto at = query.find("[System.ChangedDate] >= '");
            if (at == std::string_view::npos)
                return bad(400, "the fake only answers ChangedDate queries");
            auto from = query.substr(at + 25);
            std::string since(from.substr(0, from.find('\'')));
            const bool precise =
                req.has_param("timePrecision") && req.get_param_value("timePrecision") == "true";
            if (!precise && since.size() > 10)
                return bad(400, "VS402625: Dates and times in WIQL need timePrecision");
            std::vector<const FakeWorkItem*> list;
            for (const auto& [id, w] : work_items)
                if (w.project == project_name && w.changed_date >= since) list.push_back(&w);
            std::stable_sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
                return a->changed_date < b->changed_date;
            });
            std::string items;
            for (const auto* w : list)
                items +=
                    std::string(items.empty() ? "" : ",") + "{\"id\":" + std::to_string(w->id) +
                    ",\"url\":\"http://fake/_apis/wit/workItems/" + std::to_string(w->id) + "\"}";
            res.set_content(
                "{\"queryType\":\"flat\",\"queryResultType\":\"workItem\",\"asOf\":\"2026-11-20T10:"
                "00:00Z\","
                "\"columns\":[{\"referenceName\":\"System.Id\",\"name\":\"ID\"}],\"workItems\":[" +
                    items + "]}",
                "application/json; charset=utf-8");
            return true;
        }
        if (parts[3] == "workitems" && req.method == "GET") {
            std::string ids = req.has_param("ids") ? req.get_param_value("ids") : "";
            const bool omit =
                req.has_param("errorPolicy") && req.get_param_value("errorPolicy") == "omit";
            std::vector<std::string> values;
            std::size_t start = 0;
            while (start < ids.size()) {
                auto comma = ids.find(',', start);
                if (comma == std::string::npos) comma = ids.size();
                auto id = std::stoll(ids.substr(start, comma - start));
                auto it = work_items.find(id);
                if (it == work_items.end() || it->second.project != project_name) {
                    if (!omit)
                        return bad(
                            404, "TF401232: Work item " + std::to_string(id) + " does not exist.");
                    values.push_back("null");
                } else {
                    values.push_back(it->second.json);
                }
                start = comma + 1;
            }
            if (values.size() > 200) return bad(400, "VS403474: more than 200 work item ids");
            std::string body;
            for (const auto& v : values) body += (body.empty() ? "" : ",") + v;
            res.set_content(
                "{\"count\":" + std::to_string(values.size()) + ",\"value\":[" + body + "]}",
                "application/json; charset=utf-8");
            return true;
        }
        return false;
    }

    // Release definitions and releases (Release Management REST); false when
    // `parts` is neither.
    bool handle_release(const httplib::Request& req, httplib::Response& res,
                        const std::vector<std::string>& parts) {
        if (req.method != "GET" || parts.size() < 4 || parts[1] != "_apis" || parts[2] != "release")
            return false;
        std::string project_name;
        for (const auto& [name, id] : projects)
            if (name == parts[0] || id == parts[0]) project_name = name;
        if (project_name.empty()) {
            res.status = 404;
            res.set_content(
                error_body("TF200016: The following project does not exist: " + parts[0]),
                "application/json");
            return true;
        }
        if (parts.size() == 4 && parts[3] == "definitions") {
            const std::string search =
                req.has_param("searchText") ? req.get_param_value("searchText") : "";
            const bool environments =
                req.has_param("$expand") && req.get_param_value("$expand") == "environments";
            auto lower = [](std::string_view t) { return ascii::lower(t); };
            std::vector<std::string> items;
            for (const auto& d : release_definitions) {
                if (d.project != project_name ||
                    lower(d.name).find(lower(search)) == std::string::npos)
                    continue;
                std::string item = "{\"id\":" + std::to_string(d.id) + ",\"name\":" + q(d.name);
                if (environments) {
                    item += ",\"environments\":[";
                    for (std::size_t i = 0; i < d.environments.size(); ++i)
                        item += std::string(i ? "," : "") +
                                "{\"id\":" + std::to_string(d.environments[i].first) +
                                ",\"name\":" + q(d.environments[i].second) +
                                ",\"rank\":" + std::to_string(i + 1) + "}";
                    item += "]";
                }
                items.push_back(item + "}");
            }
            page(req, res, items);
            return true;
        }
        if (parts.size() == 5 && parts[3] == "releases") {
            auto it = releases.find(std::stoll(parts[4]));
            if (it == releases.end() || it->second.project != project_name) {
                res.status = 404;
                res.set_content(
                    error_body("VS402853: Release with id " + parts[4] + " does not exist."),
                    "application/json");
                return true;
            }
            const auto& r = it->second;
            auto ref = [](const std::string& id, const std::string& name) {
                return "{\"id\":" + q(id) + ",\"name\":" + q(name) + "}";
            };
            std::string artifacts;
            for (const auto& a : r.artifacts) {
                std::string def = "\"definition\":" + ref("42", a.definition) +
                                  ",\"version\":" + ref(a.build_id, "20261120." + a.build_id) +
                                  ",\"branch\":" + ref(a.branch, a.branch) +
                                  ",\"project\":" + ref(projects.at(project_name), project_name);
                if (!a.repository.empty())
                    def += ",\"repository\":" + ref("5febef5a", a.repository);
                if (!a.source_version.empty())
                    def += ",\"sourceVersion\":" + ref(a.source_version, a.source_version);
                artifacts += std::string(artifacts.empty() ? "" : ",") +
                             "{\"sourceId\":\"p:42\",\"type\":" + q(a.type) +
                             ",\"alias\":" + q(a.alias) +
                             ",\"isPrimary\":" + (a.is_primary ? "true" : "false") +
                             ",\"definitionReference\":{" + def + "}}";
            }
            res.set_content("{\"id\":" + std::to_string(r.id) + ",\"name\":\"Release-" +
                                std::to_string(r.id) +
                                "\",\"status\":\"active\",\"releaseDefinition\":{\"id\":" +
                                std::to_string(r.definition_id) + ",\"name\":" + q(r.definition) +
                                "},\"artifacts\":[" + artifacts + "]}",
                            "application/json; charset=utf-8");
            return true;
        }
        return false;
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        FakeRequest rec{req.method, req.path, {}, req.get_header_value("Authorization"), req.body};
        for (const auto& [k, v] : req.params) rec.params[k] = v;
        requests.push_back(rec);

        if (fail_count > 0) {
            --fail_count;
            res.status = fail_status;
            if (fail_retry_after) res.set_header("Retry-After", std::to_string(*fail_retry_after));
            res.set_content(error_body("injected failure"), "application/json");
            return;
        }
        if (rec.authorization != "Basic " + base64(":" + token)) {
            res.status = 401;
            res.set_content("<html>Access denied</html>", "text/html");
            return;
        }
        if (!req.has_param("api-version")) {
            res.status = 400;
            res.set_content(error_body("No api-version was supplied for the request."),
                            "application/json");
            return;
        }
        if (const auto asked = req.get_param_value("api-version");
            version_of(asked) > version_of(max_api_version)) {
            res.status = 400;
            res.set_content(
                "{\"$id\":\"1\",\"innerException\":null,\"message\":" +
                    q("The requested REST API version of " + asked +
                      " is out of range for this server. The latest REST API version this server "
                      "supports is " +
                      max_api_version + ".") +
                    ",\"typeName\":\"Microsoft.VisualStudio.Services.WebApi."
                    "VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi\","
                    "\"typeKey\":\"VssVersionOutOfRangeException\",\"errorCode\":0,"
                    "\"eventId\":3000}",
                "application/json; charset=utf-8");
            return;
        }
        auto parts = split_path(req.path);
        if (parts.empty() || parts[0] != collection) {
            res.status = 404;
            return;
        }
        parts.erase(parts.begin());
        auto not_found = [&](const std::string& message) {
            res.status = 404;
            res.set_content(error_body(message), "application/json");
        };

        // _apis/projects[/name]
        if (parts.size() >= 2 && parts[0] == "_apis" && parts[1] == "projects" &&
            req.method == "GET") {
            if (parts.size() == 2) {
                std::vector<std::string> items;
                for (const auto& [name, id] : projects)
                    items.push_back("{\"id\":" + q(id) + ",\"name\":" + q(name) + "}");
                page(req, res, items);
                return;
            }
            for (const auto& [name, id] : projects)
                if (name == parts[2] || id == parts[2]) {
                    res.set_content(
                        "{\"id\":" + q(id) + ",\"name\":" + q(name) + ",\"state\":\"wellFormed\"}",
                        "application/json");
                    return;
                }
            return not_found("TF200016: The following project does not exist: " + parts[2] +
                             ". Verify that the name of the project is correct and that the "
                             "project exists on the "
                             "specified Azure DevOps Server.");
        }
        // _apis/hooks/subscriptions[/id]
        if (parts.size() >= 3 && parts[0] == "_apis" && parts[1] == "hooks" &&
            parts[2] == "subscriptions") {
            if (parts.size() == 3 && req.method == "GET") {
                std::vector<std::string> items;
                for (const auto& s : subscriptions) items.push_back(subscription_json(s));
                page(req, res, items);
                return;
            }
            if (parts.size() == 3 && req.method == "POST") {
                FakeSubscription s;
                if (!parse_subscription(req.body, s)) {
                    res.status = 400;
                    res.set_content(error_body("bad subscription"), "application/json");
                    return;
                }
                if (auto why = invalid_subscription(s); !why.empty()) {
                    res.status = 400;
                    res.set_content(error_body(why), "application/json");
                    return;
                }
                s.status = "enabled";
                s.id = new_id();
                subscriptions.push_back(s);
                res.set_content(subscription_json(s), "application/json");
                return;
            }
            if (parts.size() == 4) {
                auto it = std::find_if(subscriptions.begin(), subscriptions.end(),
                                       [&](const FakeSubscription& s) { return s.id == parts[3]; });
                if (it == subscriptions.end())
                    return not_found("subscription " + parts[3] + " not found");
                if (req.method == "GET") {
                    res.set_content(subscription_json(*it), "application/json");
                    return;
                }
                if (req.method == "DELETE") {
                    subscriptions.erase(it);
                    res.status = 204;
                    return;
                }
                if (req.method == "PUT") {
                    FakeSubscription s;
                    if (!parse_subscription(req.body, s)) {
                        res.status = 400;
                        return;
                    }
                    if (auto why = invalid_subscription(s); !why.empty()) {
                        res.status = 400;
                        res.set_content(error_body(why), "application/json");
                        return;
                    }
                    s.id = it->id;
                    // A password read back as ******** and sent again would be stored as is: keep
                    // it visible.
                    *it = s;
                    res.set_content(subscription_json(*it), "application/json");
                    return;
                }
            }
        }
        if (parts.size() == 5 && parts[0] == "_apis" && parts[1] == "hooks" &&
            parts[2] == "publishers" && parts[4] == "inputValuesQuery" && req.method == "POST")
            return input_values_query(req, res);
        if (handle_release(req, res, parts)) return;
        if (parts.size() >= 5 && parts[1] == "_apis" && handle_history(req, res, parts)) return;
        if (parts.size() == 4 && parts[1] == "_apis" && parts[2] == "wit" &&
            handle_work_items(req, res, parts))
            return;
        if (parts.size() == 3 && parts[0] == "_apis" && parts[1] == "hooks" &&
            parts[2] == "notificationsquery" && req.method == "POST") {
            simdjson::dom::parser parser;
            simdjson::dom::element doc;
            if (parser.parse(simdjson::padded_string(req.body)).get(doc) != simdjson::SUCCESS) {
                res.status = 400;
                res.set_content(error_body("bad NotificationsQuery"), "application/json");
                return;
            }
            std::set<std::string> wanted;
            simdjson::dom::array ids;
            if (doc["subscriptionIds"].get(ids) == simdjson::SUCCESS)
                for (auto id : ids) {
                    std::string_view v;
                    if (id.get(v) == simdjson::SUCCESS) wanted.insert(std::string(v));
                }
            std::string_view min_created;
            if (doc["minCreatedDate"].get(min_created) != simdjson::SUCCESS) min_created = {};
            bool details = false;
            if (doc["includeDetails"].get(details) != simdjson::SUCCESS) details = false;
            // backfill (bf): maxCreatedDate, and a cap on the results (maxResults or ours).
            std::string_view max_created;
            if (doc["maxCreatedDate"].get(max_created) != simdjson::SUCCESS) max_created = {};
            std::int64_t max_results = 0;
            if (doc["maxResults"].get(max_results) != simdjson::SUCCESS) max_results = 0;
            std::size_t cap = notifications_cap;
            if (max_results > 0) cap = std::min(cap, static_cast<std::size_t>(max_results));
            std::vector<const FakeNotification*> matching;
            for (const auto& n : notifications) {
                if (!wanted.empty() && !wanted.count(n.subscription_id)) continue;
                if (!min_created.empty() && n.created_date < min_created) continue;
                if (!max_created.empty() && n.created_date > max_created) continue;
                matching.push_back(&n);
            }
            std::stable_sort(matching.begin(), matching.end(), [&](const auto* a, const auto* b) {
                return notifications_newest_first ? a->created_date > b->created_date
                                                  : a->created_date < b->created_date;
            });
            if (matching.size() > cap) matching.resize(cap);
            std::string results;
            for (const auto* np : matching) {
                const auto& n = *np;
                results +=
                    std::string(results.empty() ? "" : ",") + "{\"id\":" + std::to_string(n.id) +
                    ",\"subscriptionId\":" + q(n.subscription_id) + ",\"result\":" + q(n.result) +
                    ",\"status\":\"completed\",\"createdDate\":" + q(n.created_date) +
                    (details ? ",\"details\":{\"event\":" + n.event_json + "}" : std::string()) +
                    "}";
            }
            res.set_content("{\"subscriptionIds\":[],\"includeDetails\":" +
                                std::string(details ? "true" : "false") + ",\"results\":[" +
                                results + "],\"summary\":[]}",
                            "application/json; charset=utf-8");
            return;
        }
        // {project}/_apis/git/repositories/{name} and {project}/_apis/build/definitions
        if (parts.size() >= 3 && parts[1] == "_apis" && req.method == "GET") {
            const std::string& project = parts[0];
            std::string project_name;
            for (const auto& [name, id] : projects)
                if (name == project || id == project) project_name = name;
            if (project_name.empty())
                return not_found("TF200016: The following project does not exist: " + project +
                                 ".");
            if (parts.size() == 5 && parts[2] == "git" && parts[3] == "repositories") {
                auto it = repositories.find({project_name, parts[4]});
                if (it == repositories.end())
                    return not_found(
                        "TF401019: The Git repository with name or identifier " + parts[4] +
                        " does not exist or you do not have permissions for the operation you are "
                        "attempting.");
                res.set_content("{\"id\":" + q(it->second) + ",\"name\":" + q(parts[4]) +
                                    ",\"project\":{\"id\":" + q(projects.at(project_name)) +
                                    ",\"name\":" + q(project_name) +
                                    "},\"defaultBranch\":\"refs/heads/main\"}",
                                "application/json");
                return;
            }
            if (parts.size() == 4 && parts[2] == "build" && parts[3] == "definitions") {
                std::string wanted = req.has_param("name") ? req.get_param_value("name") : "";
                std::vector<std::string> items;
                for (const auto& [key, id] : definitions)
                    if (key.first == project_name && (wanted.empty() || key.second == wanted))
                        items.push_back("{\"id\":" + std::to_string(id) +
                                        ",\"name\":" + q(key.second) + "}");
                page(req, res, items);
                return;
            }
        }
        not_found("no such endpoint in the fake: " + req.method + " " + req.path);
    }
};

FakeAzureDevOps::FakeAzureDevOps(std::string token, std::string collection)
    : m_state(std::make_unique<State>()) {
    m_state->token = std::move(token);
    m_state->collection = std::move(collection);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        m_state->handle(req, res);
    };
    m_state->server.Get(".*", handler);
    m_state->server.Post(".*", handler);
    m_state->server.Put(".*", handler);
    m_state->server.Delete(".*", handler);
    m_port = m_state->server.bind_to_any_port("127.0.0.1");
    if (m_port <= 0) throw std::runtime_error("fake Azure DevOps: cannot bind 127.0.0.1");
    m_state->thread = std::thread([this] { m_state->server.listen_after_bind(); });
    while (!m_state->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds{1});
}

FakeAzureDevOps::~FakeAzureDevOps() {
    m_state->server.stop();
    if (m_state->thread.joinable()) m_state->thread.join();
}

std::string FakeAzureDevOps::organization_url() const {
    return "http://127.0.0.1:" + std::to_string(m_port) + "/" + m_state->collection;
}

void FakeAzureDevOps::add_project(const std::string& name, const std::string& id) {
    std::lock_guard lock(m_state->mutex);
    m_state->projects[name] = id;
}

void FakeAzureDevOps::add_repository(const std::string& project, const std::string& name,
                                     const std::string& id) {
    std::lock_guard lock(m_state->mutex);
    m_state->repositories[{project, name}] = id;
}

void FakeAzureDevOps::add_build_definition(const std::string& project, const std::string& name,
                                           std::int64_t id) {
    std::lock_guard lock(m_state->mutex);
    m_state->definitions[{project, name}] = id;
}

void FakeAzureDevOps::add_branch(const std::string& project, const std::string& repository,
                                 const std::string& ref_name) {
    std::lock_guard lock(m_state->mutex);
    m_state->branches[{project, repository}].push_back(ref_name);
}

std::string FakeAzureDevOps::add_subscription(FakeSubscription s) {
    std::lock_guard lock(m_state->mutex);
    if (s.id.empty()) s.id = m_state->new_id();
    m_state->subscriptions.push_back(s);
    return s.id;
}

void FakeAzureDevOps::set_status(const std::string& id, const std::string& status) {
    std::lock_guard lock(m_state->mutex);
    for (auto& s : m_state->subscriptions)
        if (s.id == id) s.status = status;
}

void FakeAzureDevOps::add_commit(const std::string& project, const std::string& repository,
                                 FakeCommit commit) {
    std::lock_guard lock(m_state->mutex);
    m_state->commits[{project, repository}][commit.sha] = commit;
}

void FakeAzureDevOps::add_build(FakeBuild build) {
    std::lock_guard lock(m_state->mutex);
    m_state->builds[build.id] = build;
}

void FakeAzureDevOps::add_notification(FakeNotification n) {
    std::lock_guard lock(m_state->mutex);
    m_state->notifications.push_back(std::move(n));
}

void FakeAzureDevOps::add_pull_request(const std::string& project, const std::string& repository,
                                       FakePullRequest pr) {
    std::lock_guard lock(m_state->mutex);
    m_state->pull_requests[{project, repository}][pr.id] = std::move(pr);
}

void FakeAzureDevOps::add_push(const std::string& project, const std::string& repository,
                               FakePush push) {
    std::lock_guard lock(m_state->mutex);
    m_state->pushes[{project, repository}][push.push_id] = std::move(push);
}

void FakeAzureDevOps::add_release_definition(FakeReleaseDefinition d) {
    std::lock_guard lock(m_state->mutex);
    m_state->release_definitions.push_back(std::move(d));
}

void FakeAzureDevOps::add_release(FakeRelease r) {
    std::lock_guard lock(m_state->mutex);
    m_state->releases[r.id] = std::move(r);
}

void FakeAzureDevOps::set_max_api_version(std::string version) {
    std::lock_guard lock(m_state->mutex);
    m_state->max_api_version = std::move(version);
}

void FakeAzureDevOps::set_commitsbatch_reading(CommitsbatchReading reading) {
    std::lock_guard lock(m_state->mutex);
    m_state->reading = reading;
}

void FakeAzureDevOps::set_page_size(std::size_t n) {
    std::lock_guard lock(m_state->mutex);
    m_state->page_size = n == 0 ? 1 : n;
}

// ---- backfill (bf) ----

void FakeAzureDevOps::add_work_item(FakeWorkItem item) {
    std::lock_guard lock(m_state->mutex);
    m_state->work_items[item.id] = std::move(item);
}

void FakeAzureDevOps::set_notifications_cap(std::size_t n, bool newest_first) {
    std::lock_guard lock(m_state->mutex);
    m_state->notifications_cap = n == 0 ? 1 : n;
    m_state->notifications_newest_first = newest_first;
}

void FakeAzureDevOps::fail_next(int count, int status, std::optional<int> retry_after_seconds) {
    std::lock_guard lock(m_state->mutex);
    m_state->fail_count = count;
    m_state->fail_status = status;
    m_state->fail_retry_after = retry_after_seconds;
}

std::vector<FakeSubscription> FakeAzureDevOps::subscriptions() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->subscriptions;
}

std::vector<FakeRequest> FakeAzureDevOps::requests() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->requests;
}

void FakeAzureDevOps::clear_requests() {
    std::lock_guard lock(m_state->mutex);
    m_state->requests.clear();
}

}  // namespace shiplog::testing
