#include "support/fake_azure_devops.hpp"

#include <httplib.h>
#include <simdjson.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace shiplog::testing {
namespace {

std::string base64(std::string_view in) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
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
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
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

std::string error_body(const std::string& message) {
    return "{\"$id\":\"1\",\"innerException\":null,\"message\":" + q(message) +
           ",\"typeName\":\"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException\",\"errorCode\":0}";
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
    std::vector<FakeSubscription> subscriptions;
    int next_id = 1;
    std::size_t page_size = 100;
    int fail_count = 0;
    int fail_status = 500;
    std::optional<int> fail_retry_after;
    std::vector<FakeRequest> requests;

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
        if (s.status != "enabled") out += ",\"status\":" + q(s.status);  // enabled ones often omit it
        out += ",\"publisherId\":" + q(s.publisher_id) + ",\"eventType\":" + q(s.event_type) +
               ",\"resourceVersion\":" + (s.resource_version.empty() ? std::string("null") : q(s.resource_version)) +
               ",\"consumerId\":" + q(s.consumer_id) + ",\"consumerActionId\":" + q(s.consumer_action_id) +
               ",\"probationRetries\":" + std::to_string(s.probation_retries) +
               ",\"createdBy\":{\"id\":\"00ca946b-2fe9-4f2a-ae2f-40d5c48001bc\"},\"createdDate\":\"2026-11-20T10:00:00Z\"" +
               ",\"publisherInputs\":" + object(pub) + ",\"consumerInputs\":" + object(con) + "}";
        return out;
    }

    // Pages `items` (JSON texts) by continuation token "ct-<offset>".
    void page(const httplib::Request& req, httplib::Response& res, const std::vector<std::string>& items) const {
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
        std::string body = "{\"count\":" + std::to_string(end > offset ? end - offset : 0) + ",\"value\":[";
        for (std::size_t i = offset; i < end; ++i) body += (i > offset ? "," : "") + items[i];
        body += "]}";
        if (end < items.size()) res.set_header("x-ms-continuationtoken", "ct-" + std::to_string(end));
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
            res.set_content(error_body("No api-version was supplied for the request."), "application/json");
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
        if (parts.size() >= 2 && parts[0] == "_apis" && parts[1] == "projects" && req.method == "GET") {
            if (parts.size() == 2) {
                std::vector<std::string> items;
                for (const auto& [name, id] : projects) items.push_back("{\"id\":" + q(id) + ",\"name\":" + q(name) + "}");
                page(req, res, items);
                return;
            }
            for (const auto& [name, id] : projects)
                if (name == parts[2] || id == parts[2]) {
                    res.set_content("{\"id\":" + q(id) + ",\"name\":" + q(name) + ",\"state\":\"wellFormed\"}",
                                    "application/json");
                    return;
                }
            return not_found("TF200016: The following project does not exist: " + parts[2] +
                             ". Verify that the name of the project is correct and that the project exists on the "
                             "specified Azure DevOps Server.");
        }
        // _apis/hooks/subscriptions[/id]
        if (parts.size() >= 3 && parts[0] == "_apis" && parts[1] == "hooks" && parts[2] == "subscriptions") {
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
                s.status = "enabled";
                s.id = new_id();
                subscriptions.push_back(s);
                res.set_content(subscription_json(s), "application/json");
                return;
            }
            if (parts.size() == 4) {
                auto it = std::find_if(subscriptions.begin(), subscriptions.end(),
                                       [&](const FakeSubscription& s) { return s.id == parts[3]; });
                if (it == subscriptions.end()) return not_found("subscription " + parts[3] + " not found");
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
                    s.id = it->id;
                    // A password read back as ******** and sent again would be stored as is: keep it visible.
                    *it = s;
                    res.set_content(subscription_json(*it), "application/json");
                    return;
                }
            }
        }
        // {project}/_apis/git/repositories/{name} and {project}/_apis/build/definitions
        if (parts.size() >= 3 && parts[1] == "_apis" && req.method == "GET") {
            const std::string& project = parts[0];
            std::string project_name;
            for (const auto& [name, id] : projects)
                if (name == project || id == project) project_name = name;
            if (project_name.empty())
                return not_found("TF200016: The following project does not exist: " + project + ".");
            if (parts.size() == 5 && parts[2] == "git" && parts[3] == "repositories") {
                auto it = repositories.find({project_name, parts[4]});
                if (it == repositories.end())
                    return not_found("TF401019: The Git repository with name or identifier " + parts[4] +
                                     " does not exist or you do not have permissions for the operation you are "
                                     "attempting.");
                res.set_content("{\"id\":" + q(it->second) + ",\"name\":" + q(parts[4]) + ",\"project\":{\"id\":" +
                                    q(projects.at(project_name)) + ",\"name\":" + q(project_name) +
                                    "},\"defaultBranch\":\"refs/heads/main\"}",
                                "application/json");
                return;
            }
            if (parts.size() == 4 && parts[2] == "build" && parts[3] == "definitions") {
                std::string wanted = req.has_param("name") ? req.get_param_value("name") : "";
                std::vector<std::string> items;
                for (const auto& [key, id] : definitions)
                    if (key.first == project_name && (wanted.empty() || key.second == wanted))
                        items.push_back("{\"id\":" + std::to_string(id) + ",\"name\":" + q(key.second) + "}");
                page(req, res, items);
                return;
            }
        }
        not_found("no such endpoint in the fake: " + req.method + " " + req.path);
    }
};

FakeAzureDevOps::FakeAzureDevOps(std::string token, std::string collection) : m_state(std::make_unique<State>()) {
    m_state->token = std::move(token);
    m_state->collection = std::move(collection);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { m_state->handle(req, res); };
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

void FakeAzureDevOps::add_repository(const std::string& project, const std::string& name, const std::string& id) {
    std::lock_guard lock(m_state->mutex);
    m_state->repositories[{project, name}] = id;
}

void FakeAzureDevOps::add_build_definition(const std::string& project, const std::string& name, std::int64_t id) {
    std::lock_guard lock(m_state->mutex);
    m_state->definitions[{project, name}] = id;
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

void FakeAzureDevOps::set_page_size(std::size_t n) {
    std::lock_guard lock(m_state->mutex);
    m_state->page_size = n == 0 ? 1 : n;
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
