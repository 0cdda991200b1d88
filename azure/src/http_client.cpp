// The real AzureDevOpsClient over cpp-httplib (HTTPS via OpenSSL).
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "azure/client.hpp"
#include "common/ascii.hpp"
#include "common/time_format.hpp"
#include "json_text.hpp"

namespace shiplog::azure {
namespace {

// The highest REST version shiplog asks for; a server that supports less
// says so, and the client then asks for what it supports (5.0 at least:
// everything shiplog calls exists from 5.0 on).
constexpr const char* k_api_version = "7.1";
constexpr std::size_t k_max_pages = 10'000;  // a server that never stops paging is a bug, not data

using Query = std::vector<std::pair<std::string, std::string>>;

// What each server (organization URL) taught this process: the REST version
// it supports, and which commitsbatch reading it honours. Clients are made
// per work-queue pass, so this outlives them.
struct ServerFacts {
    std::string api_version;
    enum class RangeOrder {
        unknown,
        older_as_item,
        newer_as_item
    } range_order = RangeOrder::unknown;
};
std::mutex g_server_facts_mutex;
std::map<std::string, ServerFacts>& server_facts() {
    static std::map<std::string, ServerFacts> facts;
    return facts;
}

// "major.minor" compared numerically ("6.0" < "7.1"); false on anything else.
bool version_below(std::string_view a, std::string_view b) {
    auto parts = [](std::string_view v) {
        int major = 0, minor = 0;
        const auto dot = v.find('.');
        std::from_chars(v.data(), v.data() + (dot == std::string_view::npos ? v.size() : dot),
                        major);
        if (dot != std::string_view::npos)
            std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
        return std::pair{major, minor};
    };
    return parts(a) < parts(b);
}

}  // namespace

// The version a server names in "The requested REST API version of 7.1 is
// out of range for this server. The latest REST API version this server
// supports is 6.0." (VssVersionOutOfRangeException); empty when `message`
// is not that refusal.
std::string supported_api_version(std::string_view message) {
    constexpr std::string_view marker = "The latest REST API version this server supports is ";
    const auto at = message.find(marker);
    if (at == std::string_view::npos) return {};
    std::string version;
    for (char c : message.substr(at + marker.size())) {
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.')
            version += c;
        else
            break;
    }
    while (!version.empty() && version.back() == '.') version.pop_back();
    // "6.0" or "6": always major.minor.
    if (version.find('.') == std::string::npos && !version.empty()) version += ".0";
    if (version.empty() || version.find('.') != version.rfind('.')) {
        // 6.0.1 style: keep major.minor.
        const auto second = version.find('.', version.find('.') + 1);
        if (second != std::string::npos) version.resize(second);
    }
    return version;
}

namespace {

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

struct BaseUrl {
    std::string origin;  // scheme://host[:port]
    std::string path;    // "" or "/tfs/DefaultCollection", no trailing '/'
    bool https = false;
};

Result<BaseUrl> parse_base_url(const std::string& url) {
    BaseUrl base;
    std::string_view rest = url;
    if (rest.starts_with("https://")) {
        base.https = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        return fail(ErrorCode::config,
                    "azure_devops.organization_url: \"" + url + "\" is not an http(s) URL");
    }
    auto slash = rest.find('/');
    std::string_view host = rest.substr(0, slash);
    if (host.empty() || host.find('@') != std::string_view::npos)
        return fail(ErrorCode::config,
                    "azure_devops.organization_url: \"" + url + "\" has no usable host");
    base.origin = std::string(base.https ? "https://" : "http://") + std::string(host);
    if (slash != std::string_view::npos) base.path = std::string(rest.substr(slash));
    while (!base.path.empty() && base.path.back() == '/') base.path.pop_back();
    return base;
}

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value) {
    long seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || ptr != value.data() + value.size() || seconds < 0) return std::nullopt;
    return std::chrono::milliseconds{seconds * 1000};
}

std::string get_string(simdjson::dom::element e, std::string_view key) {
    auto v = e[key];
    if (v.error()) return {};
    std::string_view s;
    if (v.get(s) != simdjson::SUCCESS) return {};
    return std::string(s);
}

std::int64_t get_int(simdjson::dom::element e, std::string_view key) {
    auto v = e[key];
    if (v.error()) return 0;
    std::int64_t i = 0;
    if (v.get(i) != simdjson::SUCCESS) return 0;
    return i;
}

std::map<std::string, std::string> get_inputs(simdjson::dom::element e, std::string_view key) {
    std::map<std::string, std::string> out;
    simdjson::dom::object obj;
    if (e[key].get(obj) != simdjson::SUCCESS) return out;
    for (auto field : obj) {
        std::string_view s;
        if (field.value.get(s) == simdjson::SUCCESS)
            out.emplace(std::string(field.key), std::string(s));
    }
    return out;
}

Subscription parse_subscription(simdjson::dom::element e) {
    Subscription s;
    s.id = get_string(e, "id");
    s.status = get_string(e, "status");
    if (s.status.empty()) s.status = "enabled";  // list examples omit it for enabled ones
    s.publisher_id = get_string(e, "publisherId");
    s.event_type = get_string(e, "eventType");
    s.resource_version = get_string(e, "resourceVersion");
    s.consumer_id = get_string(e, "consumerId");
    s.consumer_action_id = get_string(e, "consumerActionId");
    s.publisher_inputs = get_inputs(e, "publisherInputs");
    s.consumer_inputs = get_inputs(e, "consumerInputs");
    s.probation_retries = get_int(e, "probationRetries");
    return s;
}

std::string subscription_body(const Subscription& s) {
    json::Writer w;
    w.begin_object();
    if (!s.id.empty()) w.field("id", s.id);
    if (!s.status.empty()) w.field("status", s.status);
    w.field("publisherId", s.publisher_id).field("eventType", s.event_type);
    w.field("resourceVersion", s.resource_version).field("consumerId", s.consumer_id);
    w.field("consumerActionId", s.consumer_action_id);
    detail::string_map(w.key("publisherInputs"), s.publisher_inputs);
    detail::string_map(w.key("consumerInputs"), s.consumer_inputs);
    return w.end_object().take();
}

struct Response {
    int status = 0;
    std::string body;
    std::string continuation;  // x-ms-continuationtoken
};

class HttpClient final : public AzureDevOpsClient {
  public:
    HttpClient(BaseUrl base, BaseUrl release_base, const config::AzureDevOpsConfig& config,
               ClientOptions options)
        : m_base(std::move(base)),
          m_release_base(std::move(release_base)),
          m_token(config.token),
          m_options(std::move(options)),
          m_client(m_base.origin) {
        if (!m_options.sleep)
            m_options.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
        if (!m_options.jitter) {
            m_options.jitter = [rng = std::make_shared<std::mt19937_64>(std::random_device{}())]() {
                return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
            };
        }
        if (m_options.max_attempts < 1) m_options.max_attempts = 1;
        setup(m_client, m_base.https, config);
        // Release Management REST on its own host (Services): its own connection.
        if (m_release_base.origin != m_base.origin) {
            m_release_client = std::make_unique<httplib::Client>(m_release_base.origin);
            setup(*m_release_client, m_release_base.https, config);
        }
        m_ca_file = config.ca_file ? config.ca_file->string() : std::string();
        m_server_key = m_base.origin + m_base.path;
        if (config.api_version) {
            m_api_version = *config.api_version;
            m_api_version_fixed = true;
        } else {
            std::lock_guard lock(g_server_facts_mutex);
            const auto& learned = server_facts()[m_server_key].api_version;
            m_api_version = learned.empty() ? k_api_version : learned;
        }
    }

    void setup(httplib::Client& client, bool https, const config::AzureDevOpsConfig& config) {
        client.set_connection_timeout(m_options.connect_timeout);
        client.set_read_timeout(m_options.read_timeout);
        client.set_write_timeout(m_options.read_timeout);
        client.set_url_encode(false);  // paths are percent-encoded here, once
        client.set_follow_location(false);
        client.set_keep_alive(true);
        if (https) {
            client.enable_server_certificate_verification(true);
            if (config.ca_file) {
                // Extra CA bundle *on top of* the system trust store.
                X509_STORE* store = X509_STORE_new();
                X509_STORE_set_default_paths(store);
                if (X509_STORE_load_locations(store, config.ca_file->c_str(), nullptr) != 1) {
                    m_ca_error = true;
                    ERR_clear_error();
                }
                client.set_ca_cert_store(store);  // the SSL context takes ownership
            }
        }
    }

    Result<std::vector<Project>> list_projects() override {
        std::vector<Project> out;
        auto st = for_each_value("_apis/projects", {}, [&](simdjson::dom::element e) {
            out.push_back({get_string(e, "id"), get_string(e, "name")});
        });
        if (!st) return tl::unexpected(st.error());
        return out;
    }

    Result<Project> get_project(const std::string& name) override {
        auto r = call("GET", "_apis/projects/" + percent_encode(name), {}, "");
        if (!r)
            return not_found_as(r.error(),
                                "project \"" + name + "\" not found in " + display_org());
        Project p;
        auto st = parse(*r, "GET _apis/projects/" + name, [&](simdjson::dom::element e) {
            p = {get_string(e, "id"), get_string(e, "name")};
        });
        if (!st) return tl::unexpected(st.error());
        if (p.id.empty())
            return fail(ErrorCode::remote, "GET _apis/projects/" + name + ": response has no id");
        return p;
    }

    Result<Repository> get_repository(const std::string& project,
                                      const std::string& name) override {
        std::string path =
            percent_encode(project) + "/_apis/git/repositories/" + percent_encode(name);
        auto r = call("GET", path, {}, "");
        if (!r)
            return not_found_as(
                r.error(), "repository \"" + name + "\" not found in project \"" + project + "\"");
        Repository repo;
        auto st = parse(*r, "GET " + project + "/_apis/git/repositories/" + name,
                        [&](simdjson::dom::element e) {
                            repo.id = get_string(e, "id");
                            repo.name = get_string(e, "name");
                            auto proj = e["project"];
                            if (!proj.error())
                                repo.project_id = get_string(proj.value_unsafe(), "id");
                        });
        if (!st) return tl::unexpected(st.error());
        if (repo.id.empty())
            return fail(ErrorCode::remote, "GET " + project + "/_apis/git/repositories/" + name +
                                               ": response has no id");
        return repo;
    }

    Result<BuildDefinition> get_build_definition(const std::string& project,
                                                 const std::string& name) override {
        std::vector<BuildDefinition> found;
        auto st = for_each_value(percent_encode(project) + "/_apis/build/definitions",
                                 {{"name", name}}, [&](simdjson::dom::element e) {
                                     found.push_back({get_int(e, "id"), get_string(e, "name")});
                                 });
        if (!st)
            return not_found_as(st.error(),
                                "project \"" + project + "\" not found in " + display_org());
        for (const auto& d : found)
            if (d.name == name) return d;
        if (found.size() == 1) return found.front();  // the server matched case-insensitively
        return fail(ErrorCode::not_found,
                    "pipeline \"" + name + "\" not found in project \"" + project + "\"");
    }

    Result<std::vector<Subscription>> list_subscriptions() override {
        std::vector<Subscription> out;
        auto st = for_each_value("_apis/hooks/subscriptions", {}, [&](simdjson::dom::element e) {
            out.push_back(parse_subscription(e));
        });
        if (!st) return tl::unexpected(st.error());
        return out;
    }

    Result<Subscription> create_subscription(const Subscription& s) override {
        Subscription body = s;
        body.id.clear();
        body.status.clear();
        auto r = call("POST", "_apis/hooks/subscriptions", {}, subscription_body(body));
        if (!r) return tl::unexpected(r.error());
        return parsed_subscription(*r, "POST _apis/hooks/subscriptions");
    }

    Result<Subscription> replace_subscription(const Subscription& s) override {
        std::string path = "_apis/hooks/subscriptions/" + percent_encode(s.id);
        auto r = call("PUT", path, {}, subscription_body(s));
        if (!r) return tl::unexpected(r.error());
        return parsed_subscription(*r, "PUT " + path);
    }

    Status delete_subscription(const std::string& id) override {
        auto r = call("DELETE", "_apis/hooks/subscriptions/" + percent_encode(id), {}, "");
        if (!r && r.error().code != ErrorCode::not_found) return tl::unexpected(r.error());
        return {};
    }

    Result<std::vector<std::string>> query_input_values(
        const std::string& publisher_id, const std::string& event_type,
        const std::map<std::string, std::string>& current_values,
        const std::string& input_id) override {
        const std::string path =
            "_apis/hooks/publishers/" + percent_encode(publisher_id) + "/inputValuesQuery";
        // InputValuesQuery: the inputs known so far, the one asked about, and
        // the subscription they belong to.
        json::Writer w;
        w.begin_object();
        detail::string_map(w.key("currentValues"), current_values);
        w.key("inputValues").begin_array().begin_object().field("inputId", input_id);
        w.end_object().end_array();
        w.key("resource").begin_object().field("publisherId", publisher_id);
        w.field("eventType", event_type).field("consumerId", "webHooks");
        w.field("consumerActionId", "httpRequest");
        detail::string_map(w.key("publisherInputs"), current_values);
        const std::string body = w.end_object().end_object().take();
        auto r = call("POST", path, {}, body);
        if (!r) return tl::unexpected(r.error());
        std::vector<std::string> out;
        std::string error;
        bool answered = false;
        SHIPLOG_TRY(for_each_listed(
            *r, "POST " + path, "inputValues",
            [&](simdjson::dom::element v) {
                if (get_string(v, "inputId") != input_id) return;
                answered = true;
                simdjson::dom::element e;
                if (v["error"].get(e) == simdjson::SUCCESS && e.is_object())
                    error = get_string(e, "message");
                simdjson::dom::array possible;
                if (v["possibleValues"].get(possible) != simdjson::SUCCESS) return;
                for (auto p : possible)
                    if (auto value = get_string(p, "value"); !value.empty())
                        out.push_back(std::move(value));
            },
            false));
        if (!answered)
            return fail(ErrorCode::remote, "POST " + path + ": no values for input " + input_id);
        if (!error.empty())
            return fail(ErrorCode::remote, "POST " + path + ": " + input_id + ": " + error);
        return out;
    }

    Result<Build> get_build(const std::string& project, std::int64_t id) override {
        const std::string path =
            percent_encode(project) + "/_apis/build/builds/" + std::to_string(id);
        auto r = get_in_project(path, "build " + std::to_string(id), project);
        if (!r) return tl::unexpected(r.error());
        Build b;
        auto st = parse(*r, "GET " + path, [&](simdjson::dom::element e) {
            b.id = get_int(e, "id");
            b.source_branch = get_string(e, "sourceBranch");
            b.source_version = get_string(e, "sourceVersion");
            b.status = get_string(e, "status");
            b.result = get_string(e, "result");
            if (auto d = e["definition"]; !d.error())
                b.definition = get_string(d.value_unsafe(), "name");
            if (auto p = e["project"]; !p.error()) b.project = get_string(p.value_unsafe(), "name");
        });
        if (!st) return tl::unexpected(st.error());
        if (b.id != id) return fail(ErrorCode::remote, "GET " + path + ": response has no id");
        // A build without sourceVersion is an answer, not a transport error:
        // the caller decides how often to ask again before giving up.
        return b;
    }

    Result<std::vector<Commit>> commits_between(const std::string& project,
                                                const std::string& repository,
                                                const std::string& from,
                                                const std::string& to) override {
        const std::string repo_path =
            percent_encode(project) + "/_apis/git/repositories/" + percent_encode(repository);
        std::vector<Commit> out;
        if (from.empty()) {
            const std::string path = repo_path + "/commits/" + percent_encode(to);
            auto r = call("GET", path, {}, "");
            if (!r) return not_found_as(r.error(), "commit " + to + " not found in " + repository);
            auto st = parse(*r, "GET " + path,
                            [&](simdjson::dom::element e) { out.push_back(parse_commit(e)); });
            if (!st) return tl::unexpected(st.error());
            return out;
        }
        const std::string path = repo_path + "/commitsbatch";
        // Which of the two versions is where the history walk starts is
        // read both ways (the spec: compareVersion; common practice: the
        // other). Ask in the order this server honoured before, else in the
        // spec's; accept an answer only when it is the range (it holds `to`
        // and reaches down to `from`), else ask the other way round.
        using Order = ServerFacts::RangeOrder;
        Order known;
        {
            std::lock_guard lock(g_server_facts_mutex);
            known = server_facts()[m_server_key].range_order;
        }
        const Order first = known == Order::unknown ? Order::older_as_item : known;
        const Order second =
            first == Order::older_as_item ? Order::newer_as_item : Order::older_as_item;
        std::optional<std::vector<Commit>> holds_to;  // when `from` is no ancestor (force push)
        for (Order order : {first, second}) {
            auto commits = commits_batch(path, repository, from, to, order);
            if (!commits) return commits;
            if (range_connects(*commits, from, to)) {
                if (known != order) {
                    std::lock_guard lock(g_server_facts_mutex);
                    server_facts()[m_server_key].range_order = order;
                }
                return commits;
            }
            // The wrong reading lists what `from` has and `to` lacks: never `to`.
            if (!holds_to && contains(*commits, to) && !contains(*commits, from))
                holds_to = std::move(*commits);
        }
        if (holds_to) return std::move(*holds_to);
        // Permanent: asking again gets the same answers.
        return fail(ErrorCode::not_found, "POST " + path + ": neither reading of " + from + ".." +
                                              to + " gave a list that holds " + to);
    }

    static bool contains(const std::vector<Commit>& commits, const std::string& sha) {
        return std::any_of(commits.begin(), commits.end(),
                           [&](const Commit& c) { return ascii::iequals(c.sha, sha); });
    }

    // A commit list is the range from..to when it holds `to`, not `from`,
    // and one of its commits has `from` as a parent (the walk reached it).
    static bool range_connects(const std::vector<Commit>& commits, const std::string& from,
                               const std::string& to) {
        bool has_to = false, reaches_from = false;
        for (const auto& c : commits) {
            if (ascii::iequals(c.sha, from)) return false;
            if (ascii::iequals(c.sha, to)) has_to = true;
            for (const auto& p : c.parents)
                if (ascii::iequals(p, from)) reaches_from = true;
        }
        return has_to && reaches_from;
    }

    // All pages of one commitsbatch query in `order`.
    Result<std::vector<Commit>> commits_batch(const std::string& path,
                                              const std::string& repository,
                                              const std::string& from, const std::string& to,
                                              ServerFacts::RangeOrder order) {
        const bool older_as_item = order == ServerFacts::RangeOrder::older_as_item;
        const std::string& item = older_as_item ? from : to;
        const std::string& compare = older_as_item ? to : from;
        json::Writer w;
        w.begin_object().key("itemVersion").begin_object().field("versionType", "commit");
        w.field("version", item).end_object();
        w.key("compareVersion").begin_object().field("versionType", "commit");
        w.field("version", compare).end_object();
        const std::string body = w.end_object().take();
        std::vector<Commit> out;
        const int top = std::max(1, m_options.commits_page_size);
        for (std::size_t page = 0; page < k_max_pages; ++page) {
            auto r =
                call("POST", path,
                     {{"$top", std::to_string(top)}, {"$skip", std::to_string(page * top)}}, body);
            if (!r)
                return not_found_as(r.error(),
                                    "commits " + from + ".." + to + " not found in " + repository);
            std::size_t got = 0;
            SHIPLOG_TRY(for_each_listed(*r, "POST " + path, "value", [&](simdjson::dom::element v) {
                out.push_back(parse_commit(v));
                ++got;
            }));
            if (got < static_cast<std::size_t>(top)) return out;
        }
        return fail(ErrorCode::remote,
                    "POST " + path + ": more than " + std::to_string(k_max_pages) + " pages");
    }

    Result<std::vector<Notification>> query_notifications(
        const std::vector<std::string>& ids, const std::string& min_created_date) override {
        const std::string path = "_apis/hooks/notificationsquery";
        const auto cap = static_cast<std::size_t>(std::max(1, m_options.notifications_page_size));
        // The window [min, max] narrows after each full page; ids already seen
        // (the boundary instant is asked for twice) are skipped.
        std::string min = min_created_date, max;
        std::vector<Notification> out;
        std::set<std::int64_t> seen;
        for (std::size_t round = 0; round < k_max_pages; ++round) {
            json::Writer w;
            w.begin_object().key("subscriptionIds").begin_array();
            for (const auto& id : ids) w.value(id);
            w.end_array().field("minCreatedDate", min);
            if (!max.empty()) w.field("maxCreatedDate", max);
            w.field("maxResults", cap).field("includeDetails", true);
            auto r = call("POST", path, {}, w.end_object().take());
            if (!r) return tl::unexpected(r.error());
            std::vector<Notification> page;
            SHIPLOG_TRY(for_each_listed(
                *r, "POST " + path, "results",
                [&](simdjson::dom::element e) {
                    Notification n;
                    n.id = get_int(e, "id");
                    n.subscription_id = get_string(e, "subscriptionId");
                    n.event_id = get_string(e, "eventId");
                    n.result = get_string(e, "result");
                    n.created_date = get_string(e, "createdDate");
                    simdjson::dom::element event;
                    if (e["details"]["event"].get(event) == simdjson::SUCCESS && event.is_object())
                        n.event_json = simdjson::to_string(event);
                    page.push_back(std::move(n));
                },
                false));
            std::size_t fresh = 0;
            for (auto& n : page)
                if (seen.insert(n.id).second) {
                    out.push_back(n);
                    ++fresh;
                }
            // Azure DevOps may cap below maxResults: a window ends only when it
            // brings nothing new (normally one extra, near-empty request).
            if (fresh == 0) {
                if (page.size() < cap) return out;
                return fail(
                    ErrorCode::remote,
                    "POST " + path + ": " + std::to_string(cap) +
                        " notifications share one createdDate; the time window cannot move");
            }
            // Which end of the window to move depends on the order Azure DevOps listed them in.
            auto when = [](const Notification& n) {
                auto t = parse_rfc3339(n.created_date);
                return t ? *t : Timestamp{};
            };
            auto [oldest, newest] = std::minmax_element(
                page.begin(), page.end(),
                [&](const auto& a, const auto& b) { return when(a) < when(b); });
            if (when(page.front()) > when(page.back()))
                max = oldest->created_date;  // newest first: what is left is older
            else
                min = newest->created_date;  // oldest first: what is left is newer
        }
        return fail(ErrorCode::remote,
                    "POST " + path + ": more than " + std::to_string(k_max_pages) + " windows");
    }

    Result<std::vector<std::int64_t>> list_push_ids(const std::string& project,
                                                    const std::string& repository,
                                                    const std::string& ref_name,
                                                    const std::string& from_date) override {
        const std::string path = percent_encode(project) + "/_apis/git/repositories/" +
                                 percent_encode(repository) + "/pushes";
        std::vector<std::int64_t> out;
        auto st = for_each_skip_page(
            path, {{"searchCriteria.fromDate", from_date}, {"searchCriteria.refName", ref_name}},
            [&](simdjson::dom::element v) { out.push_back(get_int(v, "pushId")); });
        if (!st) return tl::unexpected(st.error());
        return out;
    }

    Result<std::string> get_push_json(const std::string& project, const std::string& repository,
                                      std::int64_t push_id) override {
        const std::string path = percent_encode(project) + "/_apis/git/repositories/" +
                                 percent_encode(repository) + "/pushes/" + std::to_string(push_id);
        return get_json(path, {{"includeCommits", "1000"}, {"includeRefUpdates", "true"}});
    }

    Result<std::vector<std::string>> list_pull_requests_json(
        const std::string& project, const std::string& repository) override {
        const std::string path = percent_encode(project) + "/_apis/git/repositories/" +
                                 percent_encode(repository) + "/pullrequests";
        std::vector<std::string> out;
        auto st = for_each_skip_page(
            path, {{"searchCriteria.status", "all"}},
            [&](simdjson::dom::element v) { out.push_back(simdjson::to_string(v)); });
        if (!st) return tl::unexpected(st.error());
        return out;
    }

    std::string pull_request_path(const std::string& project, const std::string& repository,
                                  std::int64_t id) const {
        return percent_encode(project) + "/_apis/git/repositories/" + percent_encode(repository) +
               "/pullRequests/" + std::to_string(id);
    }

    Result<std::string> get_pull_request_json(const std::string& project,
                                              const std::string& repository,
                                              std::int64_t id) override {
        const std::string path = pull_request_path(project, repository, id);
        return get_json(path, {});
    }

    Result<std::string> pull_request_list_json(const std::string& path) {
        json::Writer w;
        w.begin_array();
        auto st = for_each_value(path, {},
                                 [&](simdjson::dom::element e) { w.raw(simdjson::to_string(e)); });
        if (!st) return tl::unexpected(st.error());
        return w.end_array().take();
    }

    Result<std::string> pull_request_commits_json(const std::string& project,
                                                  const std::string& repository,
                                                  std::int64_t id) override {
        return pull_request_list_json(pull_request_path(project, repository, id) + "/commits");
    }

    Result<std::string> pull_request_threads_json(const std::string& project,
                                                  const std::string& repository,
                                                  std::int64_t id) override {
        return pull_request_list_json(pull_request_path(project, repository, id) + "/threads");
    }

    Result<std::vector<std::pair<std::int64_t, std::string>>> list_completed_builds_json(
        const std::string& project, std::int64_t definition_id,
        const std::string& min_time) override {
        std::vector<std::pair<std::int64_t, std::string>> out;
        auto st = for_each_value(percent_encode(project) + "/_apis/build/builds",
                                 {{"definitions", std::to_string(definition_id)},
                                  {"minTime", min_time},
                                  {"statusFilter", "completed"},
                                  {"queryOrder", "finishTimeAscending"}},
                                 [&](simdjson::dom::element e) {
                                     out.emplace_back(get_int(e, "id"), simdjson::to_string(e));
                                 });
        if (!st) return tl::unexpected(st.error());
        return out;
    }

    // ---- backfill: work items (WIQL + workitems batch) ----

    Result<std::vector<std::int64_t>> changed_work_item_ids(
        const std::string& project, const std::string& changed_since) override {
        const std::string path = percent_encode(project) + "/_apis/wit/wiql";
        // Without timePrecision WIQL compares dates by day: a later time of the
        // same day would still match (harmless), an earlier one not at all.
        const std::string query =
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
            "[System.ChangedDate] >= '" +
            changed_since + "' ORDER BY [System.ChangedDate] ASC";
        auto r = call("POST", path, {{"timePrecision", "true"}},
                      json::Writer().begin_object().field("query", query).end_object().take());
        if (!r) return tl::unexpected(r.error());
        std::vector<std::int64_t> out;
        SHIPLOG_TRY(for_each_listed(*r, "POST " + path, "workItems", [&](simdjson::dom::element e) {
            if (auto id = get_int(e, "id"); id > 0) out.push_back(id);
        }));
        return out;
    }

    Result<std::vector<WorkItemJson>> get_work_items_json(
        const std::string& project, const std::vector<std::int64_t>& ids) override {
        constexpr std::size_t batch = 200;  // the API's limit per call
        const std::string path = percent_encode(project) + "/_apis/wit/workitems";
        std::vector<WorkItemJson> out;
        for (std::size_t first = 0; first < ids.size(); first += batch) {
            std::string list;
            for (std::size_t i = first; i < std::min(ids.size(), first + batch); ++i)
                list += (i > first ? "," : "") + std::to_string(ids[i]);
            auto r = call("GET", path,
                          {{"ids", list}, {"$expand", "relations"}, {"errorPolicy", "omit"}}, "");
            if (!r) return tl::unexpected(r.error());
            SHIPLOG_TRY(for_each_listed(
                *r, "GET " + path, "value",
                [&](simdjson::dom::element v) {
                    if (!v.is_object()) return;  // errorPolicy=omit: null for one that is gone
                    WorkItemJson item{get_int(v, "id"), get_int(v, "rev"), simdjson::to_string(v)};
                    if (item.id > 0) out.push_back(std::move(item));
                },
                false));
        }
        return out;
    }

    // ---- classic release: Release Management REST (release_management_url) ----

    Result<ReleaseDefinition> get_release_definition(const std::string& project,
                                                     const std::string& name) override {
        const std::string path = percent_encode(project) + "/_apis/release/definitions";
        std::vector<ReleaseDefinition> found;
        auto st = for_each_value(
            path, {{"searchText", name}, {"$expand", "environments"}},
            [&](simdjson::dom::element e) {
                ReleaseDefinition d{get_int(e, "id"), get_string(e, "name"), {}};
                simdjson::dom::array environments;
                if (e["environments"].get(environments) == simdjson::SUCCESS)
                    for (auto env : environments)
                        d.environments.emplace_back(get_int(env, "id"), get_string(env, "name"));
                found.push_back(std::move(d));
            },
            true);
        if (!st)
            return not_found_as(st.error(),
                                "project \"" + project + "\" not found in " + display_org());
        // searchText matches substrings: take the exact name, else a case-insensitive one.
        for (const auto& d : found)
            if (d.name == name) return d;
        for (const auto& d : found)
            if (ascii::iequals(d.name, name)) return d;
        return fail(ErrorCode::not_found,
                    "release definition \"" + name + "\" not found in project \"" + project + "\"");
    }

    Result<Release> get_release(const std::string& project, std::int64_t id) override {
        const std::string path =
            percent_encode(project) + "/_apis/release/releases/" + std::to_string(id);
        auto r = get_in_project(path, "release " + std::to_string(id), project, true);
        if (!r) return tl::unexpected(r.error());
        Release out;
        auto st = parse(*r, "GET " + path, [&](simdjson::dom::element e) {
            out.id = get_int(e, "id");
            if (auto d = e["releaseDefinition"]; !d.error())
                out.definition = get_string(d.value_unsafe(), "name");
            simdjson::dom::array artifacts;
            if (e["artifacts"].get(artifacts) != simdjson::SUCCESS) return;
            for (auto a : artifacts) {
                ReleaseArtifact artifact;
                artifact.type = get_string(a, "type");
                artifact.alias = get_string(a, "alias");
                bool primary = false;
                if (a["isPrimary"].get(primary) == simdjson::SUCCESS) artifact.is_primary = primary;
                simdjson::dom::element ref;
                if (a["definitionReference"].get(ref) == simdjson::SUCCESS) {
                    auto source = [&](const char* key, const char* field) {
                        simdjson::dom::element v;
                        return ref[key].get(v) == simdjson::SUCCESS ? get_string(v, field)
                                                                    : std::string();
                    };
                    artifact.build_id = source("version", "id");
                    artifact.definition = source("definition", "name");
                    artifact.repository = source("repository", "name");
                    artifact.branch = source("branch", "id");
                    artifact.source_version = source("sourceVersion", "id");
                    artifact.project = source("project", "name");
                    if (artifact.project.empty()) artifact.project = source("project", "id");
                }
                out.artifacts.push_back(std::move(artifact));
            }
        });
        if (!st) return tl::unexpected(st.error());
        if (out.id != id) return fail(ErrorCode::remote, "GET " + path + ": response has no id");
        return out;
    }

  private:
    static Commit parse_commit(simdjson::dom::element e) {
        Commit c;
        c.sha = get_string(e, "commitId");
        c.comment = get_string(e, "comment");
        bool truncated = false;
        if (e["commentTruncated"].get(truncated) == simdjson::SUCCESS)
            c.comment_truncated = truncated;
        simdjson::dom::array parents;
        if (e["parents"].get(parents) == simdjson::SUCCESS)
            for (auto p : parents) {
                std::string_view parent;
                if (p.get(parent) == simdjson::SUCCESS) c.parents.emplace_back(parent);
            }
        if (auto a = e["author"]; !a.error()) {
            c.author_name = get_string(a.value_unsafe(), "name");
            c.author_email = get_string(a.value_unsafe(), "email");
            c.author_date = get_string(a.value_unsafe(), "date");
        }
        return c;
    }

    std::string display_org() const { return m_base.origin + m_base.path; }

    // Never let the token into a message, whatever the server echoed.
    std::string scrub(std::string text) const {
        const std::string& token = m_token.reveal();
        if (token.empty()) return text;
        for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos))
            text.replace(pos, token.size(), "***");
        return text;
    }

    // GET `path`; a 404 reads "<what> not found in project "<project>"".
    Result<Response> get_in_project(const std::string& path, const std::string& what,
                                    const std::string& project, bool release = false) {
        auto r = call("GET", path, {}, "", release);
        if (!r) return not_found_as(r.error(), what + " not found in project \"" + project + "\"");
        return r;
    }

    tl::unexpected<Error> not_found_as(const Error& e, std::string message) const {
        if (e.code == ErrorCode::not_found) return fail(ErrorCode::not_found, std::move(message));
        return tl::unexpected(e);
    }

    // Azure DevOps' own one-line reason from an error body, if it has one.
    static std::string remote_reason(const std::string& body) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(simdjson::padded_string(body)).get(doc) != simdjson::SUCCESS) return {};
        std::string message = get_string(doc, "message");
        std::replace(message.begin(), message.end(), '\n', ' ');
        std::replace(message.begin(), message.end(), '\r', ' ');
        if (message.size() > 300) message = message.substr(0, 300) + "...";
        return message;
    }

    std::chrono::milliseconds backoff(int attempt) const {
        auto d = m_options.initial_backoff;
        for (int i = 1; i < attempt && d < m_options.max_backoff; ++i) d *= 2;
        d = std::min(d, m_options.max_backoff);
        double j = std::clamp(m_options.jitter(), 0.0, 1.0);
        return std::chrono::milliseconds{
            static_cast<std::int64_t>(d.count() / 2 + d.count() / 2.0 * j)};
    }

    // One REST call with retries. `path` is relative to the organization URL
    // and already percent-encoded; errors show it without the query.
    // `release`: on the Release Management host (release_management_url).
    Result<Response> call(const std::string& method, const std::string& path, const Query& query,
                          const std::string& body, bool release = false) {
        const std::string what = method + " " + path;
        if (m_ca_error)
            return fail(ErrorCode::config,
                        "azure_devops.ca_file: cannot load CA bundle " + m_ca_file);
        httplib::Client& client = release && m_release_client ? *m_release_client : m_client;
        const BaseUrl& base = release ? m_release_base : m_base;
        auto target_for = [&](const std::string& version) {
            std::string target = base.path + "/" + path + "?api-version=" + version;
            for (const auto& [k, v] : query)
                target += "&" + percent_encode(k) + "=" + percent_encode(v);
            return target;
        };
        std::string target = target_for(m_api_version);
        bool renegotiated = false;
        httplib::Headers headers{{"Accept", "application/json"}};
        // PAT as basic auth with an empty user name: "Basic base64(':' + PAT)".
        headers.emplace(httplib::make_basic_authentication_header("", m_token.reveal()));

        Error last{ErrorCode::remote, what + ": no attempt made"};
        for (int attempt = 1; attempt <= m_options.max_attempts; ++attempt) {
            httplib::Result res = [&] {
                if (method == "GET") return client.Get(target, headers);
                if (method == "POST") return client.Post(target, headers, body, "application/json");
                if (method == "PUT") return client.Put(target, headers, body, "application/json");
                return client.Delete(target, headers);
            }();
            std::optional<std::chrono::milliseconds> retry_after;
            if (!res) {
                last = {ErrorCode::unavailable,
                        scrub(what + ": no answer from " + display_org() + " (" +
                              httplib::to_string(res.error()) + " error)")};
            } else {
                int status = res->status;
                if (status >= 200 && status < 300) {
                    Response out{status, std::move(res->body),
                                 res->get_header_value("x-ms-continuationtoken")};
                    return out;
                }
                std::string message = what + ": HTTP " + std::to_string(status);
                std::string reason = remote_reason(res->body);
                // An older server (Azure DevOps Server 2020: 6.0, 2022: 7.0)
                // names the highest version it supports: ask again with it
                // once, and remember it for this server.
                const std::string supported = supported_api_version(reason);
                if (!supported.empty() && !m_api_version_fixed && !renegotiated &&
                    version_below(supported, m_api_version) && !version_below(supported, "5.0")) {
                    m_api_version = supported;
                    {
                        std::lock_guard lock(g_server_facts_mutex);
                        server_facts()[m_server_key].api_version = supported;
                    }
                    target = target_for(m_api_version);
                    renegotiated = true;
                    --attempt;  // not a failed attempt: the same call, in the server's version
                    continue;
                }
                if (!supported.empty() && m_api_version_fixed)
                    reason += " (set [azure_devops] api_version to " + supported + " or remove it)";
                if (!reason.empty()) message += ": " + reason;
                bool retriable = status == 429 || status >= 500;
                ErrorCode code = status == 404                      ? ErrorCode::not_found
                                 : (status == 401 || status == 403) ? ErrorCode::unauthorized
                                 : retriable                        ? ErrorCode::unavailable
                                                                    : ErrorCode::remote;
                if (status == 401 || status == 403) message += " (check the PAT and its scopes)";
                last = {code, scrub(message)};
                if (!retriable) return tl::unexpected(last);
                if (res->has_header("Retry-After"))
                    retry_after = parse_retry_after(res->get_header_value("Retry-After"));
            }
            if (attempt == m_options.max_attempts) break;
            auto delay =
                retry_after ? std::min(*retry_after, m_options.max_retry_after) : backoff(attempt);
            m_options.sleep(delay);
        }
        if (m_options.max_attempts > 1)
            last.message +=
                " (gave up after " + std::to_string(m_options.max_attempts) + " attempts)";
        return tl::unexpected(last);
    }

    // Parses a 2xx body as JSON and hands the root to `fn`. A 2xx that is not
    // JSON is what Azure DevOps Services answers to a rejected PAT (203 with a
    // sign-in page).
    Status parse(const Response& r, const std::string& what,
                 const std::function<void(simdjson::dom::element)>& fn) const {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(simdjson::padded_string(r.body)).get(doc) != simdjson::SUCCESS)
            return fail(
                ErrorCode::remote,
                scrub(what + ": HTTP " + std::to_string(r.status) +
                      " with a body that is not JSON (a rejected PAT gets a sign-in page)"));
        fn(doc);
        return {};
    }

    // Parses a 2xx body and hands each element of its `key` list to `fn`.
    // A body without the list is an error when `required`, else an empty list.
    Status for_each_listed(const Response& r, const std::string& what, const char* key,
                           const std::function<void(simdjson::dom::element)>& fn,
                           bool required = true) const {
        bool listed = true;
        SHIPLOG_TRY(parse(r, what, [&](simdjson::dom::element doc) {
            simdjson::dom::array values;
            if (doc[key].get(values) != simdjson::SUCCESS) {
                listed = false;
                return;
            }
            for (auto v : values) fn(v);
        }));
        if (!listed && required)
            return fail(ErrorCode::remote,
                        what + ": response has no \"" + std::string(key) + "\" list");
        return {};
    }

    // GETs `path` and returns its JSON body, checked and re-serialised
    // (minified): what the journal keeps of a fetched object.
    Result<std::string> get_json(const std::string& path, const Query& query) {
        SHIPLOG_TRY_ASSIGN(auto r, call("GET", path, query, ""));
        std::string json;
        SHIPLOG_TRY(parse(r, "GET " + path,
                          [&](simdjson::dom::element e) { json = simdjson::to_string(e); }));
        return json;
    }

    Result<Subscription> parsed_subscription(const Response& r, const std::string& what) const {
        Subscription s;
        auto st = parse(r, what, [&](simdjson::dom::element e) { s = parse_subscription(e); });
        if (!st) return tl::unexpected(st.error());
        if (s.id.empty())
            return fail(ErrorCode::remote, what + ": response has no subscription id");
        return s;
    }

    // GETs every page of a `{count, value:[...]}` list, following
    // x-ms-continuationtoken, and hands each element of `value` to `fn`.
    Status for_each_value(const std::string& path, Query query,
                          const std::function<void(simdjson::dom::element)>& fn,
                          bool release = false) {
        std::string token;
        for (std::size_t page = 0; page < k_max_pages; ++page) {
            Query q = query;
            if (!token.empty()) q.emplace_back("continuationToken", token);
            auto r = call("GET", path, q, "", release);
            if (!r) return tl::unexpected(r.error());
            SHIPLOG_TRY(for_each_listed(*r, "GET " + path, "value", fn));
            if (r->continuation.empty() || r->continuation == token) return {};
            token = r->continuation;
        }
        return fail(ErrorCode::remote,
                    "GET " + path + ": more than " + std::to_string(k_max_pages) + " pages");
    }

    // GETs `path` in $top/$skip pages of 100 until a short page (lists
    // without continuation tokens), handing each element of `value` to `fn`.
    Status for_each_skip_page(const std::string& path, const Query& query,
                              const std::function<void(simdjson::dom::element)>& fn) {
        constexpr int top = 100;
        for (std::size_t page = 0; page < k_max_pages; ++page) {
            Query q = query;
            q.emplace_back("$top", std::to_string(top));
            q.emplace_back("$skip", std::to_string(page * top));
            auto r = call("GET", path, q, "");
            if (!r) return tl::unexpected(r.error());
            std::size_t got = 0;
            SHIPLOG_TRY(for_each_listed(
                *r, "GET " + path, "value",
                [&](simdjson::dom::element v) {
                    fn(v);
                    ++got;
                },
                false));
            if (got < static_cast<std::size_t>(top)) return {};
        }
        return fail(ErrorCode::remote,
                    "GET " + path + ": more than " + std::to_string(k_max_pages) + " pages");
    }

    BaseUrl m_base;
    BaseUrl m_release_base;
    Secret m_token;
    ClientOptions m_options;
    httplib::Client m_client;
    std::unique_ptr<httplib::Client> m_release_client;  // null: same host as m_client
    bool m_ca_error = false;
    std::string m_ca_file;
    std::string m_server_key;          // organization URL: the key of what it taught us
    std::string m_api_version;         // asked for in every call
    bool m_api_version_fixed = false;  // [azure_devops] api_version: never renegotiated
};

}  // namespace

std::string release_management_url(const std::string& organization_url) {
    // scheme://host[/path]: only the host changes.
    const auto scheme = organization_url.find("://");
    if (scheme == std::string::npos) return organization_url;
    const auto host_start = scheme + 3;
    const auto host_end = std::min(organization_url.find('/', host_start), organization_url.size());
    std::string host = organization_url.substr(host_start, host_end - host_start);
    host = ascii::lower(host);
    constexpr std::string_view services = "dev.azure.com";
    constexpr std::string_view legacy = ".visualstudio.com";
    std::string release_host;
    if (host == services)
        release_host = "vsrm.dev.azure.com";
    else if (host.size() > legacy.size() && host.ends_with(legacy) &&
             !host.ends_with(".vsrm.visualstudio.com"))
        release_host = host.substr(0, host.size() - legacy.size()) + ".vsrm" + std::string(legacy);
    else
        return organization_url;  // Azure DevOps Server: the collection URL serves release REST too
    return organization_url.substr(0, host_start) + release_host +
           organization_url.substr(host_end);
}

Result<std::unique_ptr<AzureDevOpsClient>> make_http_client(const config::AzureDevOpsConfig& config,
                                                            ClientOptions options) {
    auto base = parse_base_url(config.organization_url);
    if (!base) return tl::unexpected(base.error());
    auto release_base = parse_base_url(release_management_url(config.organization_url));
    if (!release_base) return tl::unexpected(release_base.error());
    return std::unique_ptr<AzureDevOpsClient>(std::make_unique<HttpClient>(
        std::move(*base), std::move(*release_base), config, std::move(options)));
}

}  // namespace shiplog::azure
