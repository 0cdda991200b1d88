#include "cli/demo_history.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string_view>

#include "common/json.hpp"
#include "common/time_format.hpp"
#include "tracking/register_deploy.hpp"

namespace shiplog::daemon {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// mt19937_64's output sequence is fixed by the standard (its distributions
// are not), so every draw below is plain arithmetic on it.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : m_engine(seed) {}
    int below(int n) { return static_cast<int>(m_engine() % static_cast<std::uint64_t>(n)); }
    std::string sha() {
        // Drawn in statements of their own: the order in which a call's
        // arguments are evaluated is unspecified (gcc and clang differ).
        const unsigned long long a = m_engine();
        const unsigned long long b = m_engine();
        const unsigned long long c = m_engine() & 0xffffffffULL;
        char text[41];
        std::snprintf(text, sizeof text, "%016llx%016llx%08llx", a, b, c);
        return text;
    }

  private:
    std::mt19937_64 m_engine;
};

constexpr std::uint64_t k_seed = 20261206;
constexpr int k_days = 90;
constexpr std::string_view k_project = "Fabrikam";
constexpr std::string_view k_project_id = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";

struct Person {
    const char* name;
    const char* email;
};
constexpr std::array<Person, 6> k_people{{
    {"Mira Okafor", "mira.okafor@fabrikam.example"},
    {"Jonas Lindqvist", "jonas.lindqvist@fabrikam.example"},
    {"Priya Raman", "priya.raman@fabrikam.example"},
    {"Tomás Herrera", "tomas.herrera@fabrikam.example"},
    {"Aiko Tanaka", "aiko.tanaka@fabrikam.example"},
    {"Sam Whitfield", "sam.whitfield@fabrikam.example"},
}};

constexpr std::array<const char*, 20> k_summaries{
    "Retry payment webhook on 503",
    "Fix rounding in invoice totals",
    "Add index on orders.customer_id",
    "Cache exchange rates for 10 minutes",
    "Validate postcode before address lookup",
    "Log request id on every error",
    "Bump TLS minimum to 1.2",
    "Paginate the order history endpoint",
    "Remove the legacy v1 export",
    "Handle empty basket in checkout",
    "Tighten CORS origins",
    "Stream large CSV exports",
    "Translate error messages (de, fr)",
    "Show delivery slots in local time",
    "Debounce search requests",
    "Fix crash when the camera permission is denied",
    "Refresh tokens before they expire",
    "Upgrade the HTTP client",
    "Speed up the product list query",
    "Reject duplicate refund requests",
};

constexpr std::array<const char*, 6> k_incident_titles{
    "Checkout returns 503 for EU customers",        "Invoices show totals off by one cent",
    "Order history times out for large accounts",   "Login loop after token refresh",
    "Search returns no results for accented names", "App crashes on start for Android 12",
};

std::string json_string(std::string_view text) {
    return json::quote(text);
}

std::string when(Timestamp t) {
    return json_string(format_rfc3339(t));
}

struct Commit {
    std::string sha;
    int author = 0;
    Timestamp authored{};
    std::string summary;
};

struct Repo {
    std::string_view name;
    std::string_view id;
    std::string head;  // empty until the first push
};

class Builder {
  public:
    explicit Builder(std::vector<DemoEvent>& out) : m_out(out) {}

    void push(Repo& repo, std::string_view branch, Timestamp at, const std::vector<Commit>& commits,
              std::optional<std::string> force_to = std::nullopt) {
        const std::string new_sha = force_to ? *force_to : commits.back().sha;
        const std::string old_sha = repo.head.empty() ? std::string(40, '0') : repo.head;
        const Person& by =
            k_people[static_cast<std::size_t>(commits.empty() ? 0 : commits.back().author)];
        std::string list;
        for (const auto& c : commits) {
            const Person& p = k_people[static_cast<std::size_t>(c.author)];
            if (!list.empty()) list += ',';
            list += R"({"commitId":")" + c.sha + R"(","author":{"name":)" + json_string(p.name) +
                    ",\"email\":" + json_string(p.email) + ",\"date\":" + when(c.authored) +
                    R"(},"committer":{"name":)" + json_string(p.name) +
                    ",\"email\":" + json_string(p.email) + ",\"date\":" + when(c.authored) +
                    "},\"comment\":" + json_string(c.summary) + "}";
        }
        std::string text = std::string(by.name) + " pushed updates to " + std::string(repo.name) +
                           ":" + std::string(branch);
        std::string body = envelope("git.push", text) + R"("resource":{"commits":[)" + list +
                           R"(],"refUpdates":[{"name":"refs/heads/)" + std::string(branch) +
                           R"(","oldObjectId":")" + old_sha + R"(","newObjectId":")" + new_sha +
                           R"("}],"repository":{"id":")" + std::string(repo.id) + R"(","name":)" +
                           json_string(repo.name) + R"(,"project":{"id":")" +
                           std::string(k_project_id) + R"(","name":)" + json_string(k_project) +
                           R"(}},"pushedBy":{"displayName":)" + json_string(by.name) +
                           ",\"uniqueName\":" + json_string(by.email) +
                           "},\"pushId\":" + std::to_string(++m_push_id) + ",\"date\":" + when(at) +
                           "}," + trailer(at);
        add(DemoEvent::Kind::webhook, at, "git.push", std::move(body));
        repo.head = new_sha;
    }

    void build(const Repo& repo, std::string_view pipeline, std::string_view branch, Timestamp at,
               const std::string& sha, bool failed) {
        const int id = ++m_build_id;
        const char* result = failed ? "failed" : "succeeded";
        std::string number = "2026." + std::to_string(id);
        std::string body =
            envelope("build.complete", "Build " + number + " " + result) + R"("resource":{"id":)" +
            std::to_string(id) + ",\"buildNumber\":" + json_string(number) +
            R"(,"status":"completed","result":")" + result + R"(","finishTime":)" + when(at) +
            R"(,"definition":{"id":42,"name":)" + json_string(pipeline) + R"(,"project":{"id":")" +
            std::string(k_project_id) + R"(","name":)" + json_string(k_project) +
            R"(}},"project":{"id":")" + std::string(k_project_id) + R"(","name":)" +
            json_string(k_project) + R"(},"sourceBranch":"refs/heads/)" + std::string(branch) +
            R"(","sourceVersion":")" + sha + R"(","repository":{"id":")" + std::string(repo.id) +
            R"(","type":"TfsGit","name":)" + json_string(repo.name) + "}}," + trailer(at);
        add(DemoEvent::Kind::webhook, at, "build.complete", std::move(body));
    }

    // An incident: a Bug tagged "incident" created at `opened`, resolved at `resolved`.
    void incident(int id, std::string_view title, std::string_view area, Timestamp opened,
                  Timestamp resolved) {
        auto fields = [&](std::string_view state, Timestamp changed) {
            return R"({"System.WorkItemType":"Bug","System.State":)" + json_string(state) +
                   R"(,"System.Tags":"incident; Sev 2","System.AreaPath":)" + json_string(area) +
                   ",\"System.TeamProject\":" + json_string(k_project) +
                   ",\"System.CreatedDate\":" + when(opened) +
                   ",\"System.ChangedDate\":" + when(changed) +
                   ",\"System.Title\":" + json_string(title) + "}";
        };
        std::string created =
            envelope("workitem.created", "Bug #" + std::to_string(id) + " created") +
            R"("resource":{"id":)" + std::to_string(id) + R"(,"rev":1,"fields":)" +
            fields("Active", opened) + "}," + trailer(opened);
        add(DemoEvent::Kind::webhook, opened, "workitem.created", std::move(created));
        std::string updated =
            envelope("workitem.updated", "Bug #" + std::to_string(id) + " updated") +
            R"("resource":{"id":2,"workItemId":)" + std::to_string(id) +
            R"(,"rev":2,"fields":{"System.State":{"oldValue":"Active","newValue":"Resolved"}},)" +
            R"("revision":{"id":)" + std::to_string(id) + R"(,"rev":2,"fields":)" +
            fields("Resolved", resolved) + "}}," + trailer(resolved);
        add(DemoEvent::Kind::webhook, resolved, "workitem.updated", std::move(updated));
    }

    void registration(std::string_view deployment, Timestamp at, const std::string& sha,
                      bool failed) {
        tracking::RegisterDeploy record;
        record.deployment = std::string(deployment);
        record.environment = "production";
        record.sha = sha;
        record.date = at;
        record.status = failed ? tracking::DeployStatus::failed : tracking::DeployStatus::succeeded;
        record.email = "release-bot@fabrikam.example";
        char id[48];
        std::snprintf(id, sizeof id, "register_deploy:demo-%05d", ++m_registrations);
        m_out.push_back({DemoEvent::Kind::registration, at, id,
                         std::string(tracking::k_register_deploy_event_type),
                         tracking::make_register_deploy_record(record)});
    }

  private:
    std::string envelope(std::string_view type, const std::string& text) {
        char id[40];
        std::snprintf(id, sizeof id, "de5c0000-0000-4000-8000-%012d", ++m_events);
        m_next_id = id;
        return R"({"subscriptionId":"de5c0000-0000-4000-8000-00000000a0b5","notificationId":)" +
               std::to_string(m_events) + R"(,"id":")" + id + R"(","eventType":)" +
               json_string(type) + R"(,"publisherId":"tfs","message":{"text":)" +
               json_string(text) + "},";
    }

    static std::string trailer(Timestamp at) {
        return R"("resourceVersion":"1.0","createdDate":)" + when(at) + "}";
    }

    void add(DemoEvent::Kind kind, Timestamp at, std::string_view type, std::string body) {
        m_out.push_back({kind, at, m_next_id, std::string(type), std::move(body)});
    }

    std::vector<DemoEvent>& m_out;
    std::string m_next_id;
    int m_events = 0;
    int m_registrations = 0;
    int m_build_id = 30000;
    std::int64_t m_push_id = 1000;
};

struct History {
    std::vector<DemoEvent> events;
    std::string mobile_head;
};

History generate(Timestamp now) {
    History h;
    Builder b(h.events);
    Rng rng(k_seed);
    // Day k_days - 1 is yesterday (UTC); nothing happens after 23:00 of a day.
    const Timestamp today = std::chrono::floor<days>(now);
    auto day_start = [&](int d) { return today - days(k_days - d); };

    Repo web{"web-api", "93249743-006e-4349-b85a-1e532e6644a4", {}};
    Repo web_develop{"web-api", "93249743-006e-4349-b85a-1e532e6644a4", {}};
    Repo mobile{"mobile", "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9", {}};
    std::string mobile_deployed;
    std::string mobile_previous;
    int incident_id = 7100;

    auto commits = [&](Timestamp pushed, int count, int max_age_minutes) {
        std::vector<Commit> list;
        for (int i = 0; i < count; ++i) {
            Commit c;
            c.sha = rng.sha();
            c.author = rng.below(static_cast<int>(k_people.size()));
            c.authored = pushed - minutes(20 + rng.below(max_age_minutes));
            c.summary = k_summaries[static_cast<std::size_t>(
                rng.below(static_cast<int>(k_summaries.size())))];
            list.push_back(std::move(c));
        }
        return list;
    };

    for (int d = 0; d < k_days; ++d) {
        const Timestamp day = day_start(d);
        const bool workday = d % 7 < 5;

        // web-api, develop: every push is built by web-api-ci (staging);
        // about one build in nine fails.
        if (workday) {
            const int pushes = 1 + rng.below(3);
            for (int i = 0; i < pushes; ++i) {
                Timestamp at = day + hours(9) + minutes(i * 160 + rng.below(90));
                // One draw per statement: argument evaluation order is unspecified.
                const int count = 1 + rng.below(3);
                b.push(web_develop, "develop", at, commits(at, count, 1800));
                const Timestamp built = at + minutes(12 + rng.below(14));
                const bool failed = rng.below(9) == 0;
                b.build(web_develop, "web-api-ci", "develop", built, web_develop.head, failed);
            }
        }

        // web-api, main: every push is a production deploy (push trigger).
        const bool rollback_day = d == 23 || d == 71;
        if (workday && (rng.below(10) < 8 || rollback_day)) {
            const int pushes = 1 + (rng.below(3) == 0 ? 1 : 0);
            for (int i = 0; i < pushes; ++i) {
                Timestamp at = day + hours(11) + minutes(i * 240 + rng.below(60));
                const std::string before = web.head;
                b.push(web, "main", at, commits(at, 1 + rng.below(4), 4320));
                if (rollback_day && i == 0 && !before.empty()) {
                    // A bad release: main is reset to the previous deploy's commit.
                    b.push(web, "main", at + minutes(45 + rng.below(30)), {}, before);
                }
            }
        }

        // Incidents on web-api: a Bug tagged "incident" under Fabrikam\Web.
        if (d == 16 || d == 38 || d == 61 || d == 82) {
            Timestamp opened = day + hours(14) + minutes(rng.below(120));
            ++incident_id;
            b.incident(incident_id, k_incident_titles[static_cast<std::size_t>(incident_id % 5)],
                       "Fabrikam\\Web\\Checkout", opened, opened + minutes(40 + rng.below(300)));
        }

        // mobile: pushes on about half the workdays; a release manager
        // registers a deploy (manual trigger) every sixth day.
        if (workday && rng.below(2) == 0) {
            Timestamp at = day + hours(10) + minutes(rng.below(300));
            b.push(mobile, "main", at, commits(at, 1 + rng.below(3), 2880));
        }
        if (d % 6 == 4 && !mobile.head.empty() && mobile.head != mobile_deployed) {
            Timestamp at = day + hours(16) + minutes(rng.below(60));
            if (d == 34) {  // the store rejected the build: failed, then fixed
                b.registration("mobile-app", at, mobile.head, true);
                at += minutes(150);
            }
            b.registration("mobile-app", at, mobile.head, false);
            mobile_previous = mobile_deployed;
            mobile_deployed = mobile.head;
            if (d == 58 && !mobile_previous.empty()) {  // crash reports: roll back
                b.registration("mobile-app", at + minutes(95), mobile_previous, false);
                mobile_deployed = mobile_previous;
            }
        }
        if (d == 47) {
            Timestamp opened = day + hours(9) + minutes(rng.below(60));
            b.incident(incident_id + 1, k_incident_titles[5], "Fabrikam\\Mobile", opened,
                       opened + hours(3));
        }
    }
    // The latest mobile commit is deployed, so a push on top of it (the
    // README's example payload) chains onto the history.
    if (mobile.head != mobile_deployed)
        b.registration("mobile-app", day_start(k_days - 1) + hours(20), mobile.head, false);
    h.mobile_head = mobile.head;

    std::stable_sort(h.events.begin(), h.events.end(),
                     [](const DemoEvent& x, const DemoEvent& y) { return x.at < y.at; });
    return h;
}

}  // namespace

std::vector<DemoEvent> make_demo_history(Timestamp now) {
    return generate(now).events;
}

std::string demo_mobile_head() {
    // Any time gives the same commits; this one keeps every date after 1970.
    return generate(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}).mobile_head;
}

}  // namespace shiplog::daemon
