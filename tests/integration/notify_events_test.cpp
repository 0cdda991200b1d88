// hooks.unhealthy and digest.weekly through the real daemon, the fake Azure
// DevOps and a local receiver (notify_receiver.hpp):
//  - a subscription put on probation gives exactly one hooks.unhealthy POST,
//    none while it stays unhealthy (also across a restart), and a second
//    one only after a listing showed it enabled again; /api/v1/hooks shows
//    the outbox counters, kept in the store across restarts;
//  - the weekly digest over a generated history carries, per deployment,
//    the same figures as `shiplog metrics --json` for the same windows and
//    their differences, and is sent once per week across a restart.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/time_format.hpp"
#include "daemon_harness.hpp"
#include "event_builders.hpp"
#include "notify_receiver.hpp"
#include "support/fake_azure_devops.hpp"
#include "support/process.hpp"

namespace shiplog::testing {
namespace {

using namespace std::chrono_literals;

// The suite's PAT, so the whole-suite secret scan looks for it in our logs.
constexpr const char* k_pat = secrets::pat;

std::string receiver_url(const Receiver& r) {
    return "http://127.0.0.1:" + std::to_string(r.port()) + "/hook\n";
}

// The text of a JSON member's value (an object, number or null) after `key`
// in `json`: enough for bodies this suite built its expectations for.
std::string member(const std::string& json, const std::string& key, std::size_t from = 0) {
    const std::string needle = "\"" + key + "\":";
    auto at = json.find(needle, from);
    if (at == std::string::npos) return "<missing " + key + ">";
    at += needle.size();
    if (json[at] == '{') {
        int depth = 0;
        bool in_string = false;
        for (std::size_t i = at; i < json.size(); ++i) {
            const char c = json[i];
            if (in_string) {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '{') {
                ++depth;
            } else if (c == '}' && --depth == 0) {
                return json.substr(at, i - at + 1);
            }
        }
        return "<unterminated>";
    }
    auto end = json.find_first_of(",}]", at);
    return json.substr(at, end - at);
}

double number(const std::string& text) {
    return text == "null" ? -1e300 : std::stod(text);
}

// GET /api/v1/hooks until `done(body)`; the daemon is another process, so
// its answers are all there is to wait on. Empty after 60 s.
template <class F>
std::string wait_hooks(DaemonHarness& daemon, F done) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto res = daemon.client().Get("/api/v1/hooks");
        if (res && res->status == 200 && done(res->body)) return res->body;
        std::this_thread::sleep_for(50ms);  // polling another process, not synchronisation
    }
    return {};
}

long runs_ok(const std::string& hooks_body) {
    const auto v = member(member(hooks_body, "sync"), "runs_ok");
    return v.front() == '<' ? -1 : std::stol(v);
}

class HooksUnhealthyTest : public ::testing::Test {
  protected:
    HooksUnhealthyTest() : fake(k_pat), daemon(options()) {
        fake.add_project("Contoso", "1f2e3d4c-0000-4000-8000-000000000002");
        fake.add_repository("Contoso", "web-api", "7a1b2c3d-0000-4000-8000-000000000001");
        daemon.dir().write("webhook-password", std::string(k_webhook_password) + "\n");
        daemon.dir().write("azure-token", std::string(k_pat) + "\n");
        daemon.dir().write("notify-url", receiver_url(receiver));
    }
    DaemonOptions options() const {
        DaemonOptions o;
        o.extra_toml = "[azure_devops]\norganization_url = \"" + fake.organization_url() +
                       "\"\ntoken_file = \"azure-token\"\n\n"
                       "[[notify]]\nkind = \"webhook\"\nurl_file = \"notify-url\"\n"
                       "events = [\"hooks.unhealthy\"]\n";
        return o;
    }
    std::string push_subscription() const {
        for (const auto& s : fake.subscriptions())
            if (s.event_type == "git.push") return s.id;
        return {};
    }
    // SIGHUP runs a hook sync; waits until it finished.
    std::string resync(long runs_before) {
        daemon.serve().process().send_signal(SIGHUP);
        return wait_hooks(daemon, [&](const std::string& b) { return runs_ok(b) > runs_before; });
    }

    Receiver receiver;
    FakeAzureDevOps fake;
    DaemonHarness daemon;
};

TEST_F(HooksUnhealthyTest, OnePostPerTransitionNoneWhileItStaysUnhealthy) {
    ASSERT_TRUE(daemon.start());
    auto body = wait_hooks(daemon, [](const std::string& b) { return runs_ok(b) >= 1; });
    ASSERT_FALSE(body.empty()) << "the first hook sync never finished";
    const std::string id = push_subscription();
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(member(body, "notify"),
              R"({"queued":0,"sent":0,"failed":0,"given_up":0,"targets":[{"name":"webhook",)"
              R"("kind":"webhook","queued":0,"sent":0,"failed":0,"given_up":0}]})");

    // Azure DevOps puts it on probation: the next sync sees it (and re-enables it).
    fake.set_status(id, "onProbation");
    ASSERT_FALSE(resync(1).empty());
    const std::string key = "hooks.unhealthy:" + id + ":1";
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() == 1; }));
    EXPECT_EQ(receiver.counts(), (std::map<std::string, int>{{key, 1}}));
    const std::string posted = receiver.body(key);
    EXPECT_NE(posted.find(R"("event":"hooks.unhealthy")"), std::string::npos) << posted;
    EXPECT_NE(posted.find(R"("subscription":{"id":")" + id +
                          R"(","event_type":"git.push","status":"onProbation")"),
              std::string::npos)
        << posted;
    EXPECT_EQ(posted.find(k_webhook_password), std::string::npos) << "a credential in the body";
    body = wait_hooks(daemon, [](const std::string& b) {
        return member(b, "notify").find(R"("sent":1)") != std::string::npos;
    });
    ASSERT_FALSE(body.empty());
    EXPECT_NE(member(body, "notify").find(R"({"queued":0,"sent":1,"failed":0,"given_up":0,)"),
              std::string::npos)
        << body;

    // It falls back to probation before the next listing, and shiplog
    // restarts meanwhile: still the same episode, nothing more.
    ASSERT_EQ(daemon.stop(), 0);
    fake.set_status(id, "onProbation");
    ASSERT_TRUE(daemon.start());
    body = wait_hooks(daemon, [](const std::string& b) { return runs_ok(b) >= 1; });
    ASSERT_FALSE(body.empty());
    // The listing and any message it causes commit before the run counts.
    EXPECT_NE(member(body, "notify").find(R"({"queued":0,"sent":1,"failed":0,"given_up":0,)"),
              std::string::npos)
        << "the tally is kept in the store: " << body;

    // A listing shows it enabled (the sync above re-enabled it): the episode
    // ends. Probation again is a new transition.
    ASSERT_FALSE(resync(1).empty());
    fake.set_status(id, "onProbation");
    ASSERT_FALSE(resync(2).empty());
    ASSERT_TRUE(receiver.wait([](const auto& posts) { return posts.size() == 2; }));
    EXPECT_EQ(receiver.counts(),
              (std::map<std::string, int>{{key, 1}, {"hooks.unhealthy:" + id + ":2", 1}}));
    ASSERT_FALSE(wait_hooks(daemon, [](const std::string& b) {
                     return member(b, "notify").find(R"("sent":2)") != std::string::npos;
                 }).empty());

    // `shiplog hooks list` shows the same counters, from the store, beside serve.
    auto list =
        run_command(SHIPLOG_BINARY, {"hooks", "list", "--config", daemon.config_path().string()});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    auto row = list.out.find("\nwebhook ");
    ASSERT_NE(row, std::string::npos) << list.out;
    std::istringstream fields(list.out.substr(row + 1, list.out.find('\n', row + 1) - row - 1));
    std::string name, kind;
    long queued = -1, sent = -1, failed = -1, given_up = -1;
    fields >> name >> kind >> queued >> sent >> failed >> given_up;
    EXPECT_EQ(kind, "webhook");
    EXPECT_EQ(queued, 0);
    EXPECT_EQ(sent, 2);
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(given_up, 0);
    EXPECT_EQ(daemon.stop(), 0);
}

// The UTC midnight starting today, as RFC 3339, shifted by `days`.
std::string midnight(const Timestamp& today, int days) {
    return format_rfc3339(std::chrono::floor<std::chrono::days>(today) + std::chrono::days{days});
}

TEST(NotifyDigest, CarriesTheMetricsOfBothWeeksAndIsSentOncePerWeekAcrossARestart) {
    const Timestamp now = system_clock().now();
    const auto today = std::chrono::floor<std::chrono::days>(now);
    const unsigned weekday = std::chrono::weekday(today).iso_encoding();  // 1 = Monday
    if (weekday == 7 && now - today > 23h + 55min)
        GTEST_SKIP() << "the ISO week ends within minutes: the daemon could see the next one";
    static constexpr const char* k_days[] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};

    // The digest is scheduled for 00:00 UTC today, so it is due at start:
    // this is a daemon that was down at the scheduled time.
    Receiver receiver;
    DaemonHarness daemon;
    daemon.dir().write("notify-url", receiver_url(receiver));
    auto at = [&](int hours_before_midnight) {
        return format_rfc3339(today - std::chrono::hours{hours_before_midnight});
    };
    // Previous week [-14 d, -7 d): two deploys. This week [-7 d, 0): three
    // deploys, one rolled back 2 h later (a failure and its restore), and
    // after the window one more that must not count.
    const std::vector<std::string> events = {
        push_event("d1", 1, 0, 1, {1}, at(12 * 24)),   push_event("d2", 2, 1, 2, {2}, at(10 * 24)),
        push_event("d3", 3, 2, 3, {3}, at(6 * 24)),    push_event("d4", 4, 3, 4, {4}, at(5 * 24)),
        push_event("d5", 5, 4, 3, {}, at(5 * 24 - 2)),  // back to sha 3: rollback of 4
        push_event("d6", 6, 3, 6, {5, 6}, at(2 * 24)),
    };
    // The history goes in first, without a [[notify]]; then the target appears.
    ASSERT_TRUE(daemon.start());
    for (const auto& e : events) {
        auto r = daemon.post_event(e);
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    }
    ASSERT_EQ(daemon.stop(), 0);
    daemon.rewrite_config(
        std::string("[[notify]]\nkind = \"webhook\"\nurl_file = \"notify-url\"\n") +
        "events = [\"digest.weekly\"]\ndigest_at = \"" + k_days[weekday - 1] + " 00:00\"\n");
    ASSERT_TRUE(daemon.start());

    ASSERT_TRUE(receiver.wait([](const auto& posts) { return !posts.empty(); }))
        << daemon.serve().process().output();
    ASSERT_EQ(receiver.counts().size(), 1u);
    const std::string key = receiver.counts().begin()->first;
    EXPECT_EQ(key.rfind("digest.weekly:webhook:", 0), 0u) << key;
    const std::string body = receiver.body(key);
    ASSERT_EQ(daemon.stop(), 0);

    auto metrics = [&](int from, int to) {
        auto r =
            run_command(SHIPLOG_BINARY, {"metrics", "--json", "--deployment", "web-api", "--since",
                                         midnight(now, from), "--until", midnight(now, to),
                                         "--config", daemon.config_path().string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
        return r.out;
    };
    const std::string current = metrics(-7, 0);
    const std::string previous = metrics(-14, -7);
    EXPECT_NE(
        body.find("\"since\":\"" + midnight(now, -7) + "\",\"until\":\"" + midnight(now, 0) + "\""),
        std::string::npos)
        << body;
    EXPECT_EQ(member(body, "current"), current);
    EXPECT_EQ(member(body, "previous"), previous);
    // The history made every key real in this week, and the change is the difference.
    EXPECT_EQ(member(current, "deploys"), "4") << current;  // d3, d4, d5 (rollback), d6
    EXPECT_EQ(member(previous, "deploys"), "2") << previous;
    EXPECT_NE(member(current, "change_failure_rate"), "null") << current;
    EXPECT_NE(member(member(current, "time_to_restore_seconds"), "median"), "null") << current;
    EXPECT_NE(member(member(current, "lead_time_seconds"), "median"), "null") << current;
    const std::string change = member(body, "change");
    EXPECT_EQ(member(change, "deploys"), "2") << change;
    EXPECT_NEAR(number(member(change, "lead_time_median_seconds")),
                number(member(member(current, "lead_time_seconds"), "median")) -
                    number(member(member(previous, "lead_time_seconds"), "median")),
                1.0)
        << change;
    EXPECT_NEAR(number(member(change, "change_failure_rate")),
                number(member(current, "change_failure_rate")) -
                    number(member(previous, "change_failure_rate")),
                1e-4)
        << change;
    EXPECT_EQ(member(change, "time_to_restore_median_seconds"), "null")
        << "no restore the week before: " << change;

    // A restart the same week: the digest is found queued before, not sent again.
    ASSERT_TRUE(daemon.start());
    EXPECT_TRUE(daemon.serve().process().wait_for_output("notify: " + key + " was queued before"))
        << daemon.serve().process().output();
    EXPECT_EQ(daemon.stop(), 0);
    EXPECT_EQ(receiver.counts(), (std::map<std::string, int>{{key, 1}}));
}

}  // namespace
}  // namespace shiplog::testing
