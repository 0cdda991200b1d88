// Deploy scenarios through the real binary: event sequences are fed with
// `shiplog ingest` (the webhook's own validation and journal path) and the
// result is read back with `shiplog deploys --json` (SPEC §4, §6).
#include <gtest/gtest.h>

#include "event_builders.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

class Scenario {
  public:
    Scenario() {
        m_config = m_dir.write(
            "shiplog.toml",
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"store\"\nmax_size_mb = 64\n\n"
            "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
            "\"Contoso\"\n"
            "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n\n"
            "[[deployment]]\nname = \"web-api\"\nenvironment = \"staging\"\nproject = \"Contoso\"\n"
            "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"build\"\npipeline = "
            "\"web-api-ci\"\n");
    }

    // Ingests the bodies in order, one file each; returns ingest's stdout.
    std::string ingest(const std::vector<std::string>& bodies) {
        std::vector<std::string> args{"ingest", "--config", m_config.string()};
        for (const auto& body : bodies)
            args.push_back(
                m_dir.write("event-" + std::to_string(m_files++) + ".json", body).string());
        auto result = run_command(SHIPLOG_BINARY, args);
        EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
        return result.out;
    }

    std::string deploys(const std::string& environment) {
        auto result = run_command(SHIPLOG_BINARY,
                                  {"deploys", "--json", "--deployment", "web-api", "--environment",
                                   environment, "--config", m_config.string()});
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.out;
    }

  private:
    TempDir m_dir;
    std::filesystem::path m_config;
    int m_files = 0;
};

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}

TEST(Scenario, BuildFailedThenSucceededAndCanceledBuildMakesNoDeploy) {
    Scenario s;
    s.ingest({push_event("p1", 1, 10, 11, {11}, "2026-11-20T09:00:00Z"),
              build_event("b1", 501, "failed", 11, "2026-11-20T09:10:00Z"),
              build_event("b2", 502, "canceled", 11, "2026-11-20T09:20:00Z"),
              build_event("b3", 503, "succeeded", 11, "2026-11-20T09:30:00Z")});
    auto staging = s.deploys("staging");
    EXPECT_EQ(count(staging, "\"id\":"), 2u) << staging;  // canceled: no deploy
    EXPECT_NE(
        staging.find(
            R"("deployed_at":"2026-11-20T09:10:00Z","trigger":"build","status":"failed","failure":"failed")"),
        std::string::npos)
        << staging;
    EXPECT_NE(
        staging.find(
            R"("deployed_at":"2026-11-20T09:30:00Z","trigger":"build","status":"succeeded","failure":null)"),
        std::string::npos)
        << staging;
}

TEST(Scenario, ArrivalOrderDoesNotMatter) {
    std::vector<std::string> events{
        push_event("p1", 1, 10, 12, {11, 12}, "2026-11-20T09:00:00Z"),
        build_event("b1", 501, "succeeded", 12, "2026-11-20T09:30:00Z"),
        push_event("p2", 2, 12, 14, {13, 14}, "2026-11-21T09:00:00Z"),
        build_event("b2", 502, "succeeded", 14, "2026-11-21T09:30:00Z")};
    Scenario in_order;
    in_order.ingest(events);
    Scenario reversed;
    reversed.ingest({events[3], events[2], events[1],
                     events[0]});  // each build before the push that made its sha
    for (const char* env : {"staging", "production"}) {
        auto a = in_order.deploys(env);
        EXPECT_EQ(count(a, "\"id\":"), 2u) << a;
        // Ids differ (they carry journal sequence numbers); everything else must match.
        auto strip_ids = [](std::string json) {
            for (auto pos = json.find("\"id\":\""); pos != std::string::npos;
                 pos = json.find("\"id\":\"", pos + 1))
                json.erase(pos + 6, json.find('"', pos + 6) - (pos + 6));
            return json;
        };
        EXPECT_EQ(strip_ids(a), strip_ids(reversed.deploys(env))) << env;
    }
    auto staging = in_order.deploys("staging");
    EXPECT_NE(staging.find(R"("commit_count":2,"commits":[{"sha":")" + sha(13)), std::string::npos)
        << staging;
}

TEST(Scenario, RedeliveryIsADuplicateAndChangesNothing) {
    Scenario s;
    auto body = push_event("p1", 1, 10, 11, {11}, "2026-11-20T09:00:00Z");
    auto out = s.ingest({body, body});
    EXPECT_NE(out.find(": stored"), std::string::npos) << out;
    EXPECT_NE(out.find(": duplicate"), std::string::npos) << out;
    EXPECT_EQ(count(s.deploys("production"), "\"id\":"), 1u);
}

TEST(Scenario, RollbackMarksTheDeploysInBetween) {
    Scenario s;
    s.ingest({push_event("p1", 1, 10, 11, {11}, "2026-11-20T09:00:00Z"),
              push_event("p2", 2, 11, 12, {12}, "2026-11-20T10:00:00Z"),
              push_event("p3", 3, 12, 13, {13}, "2026-11-20T11:00:00Z"),
              // A revert-by-reset: the branch goes back to 11.
              push_event("p4", 4, 13, 11, {}, "2026-11-20T12:00:00Z")});
    auto production = s.deploys("production");
    EXPECT_EQ(count(production, "\"id\":"), 4u) << production;
    EXPECT_EQ(count(production, R"("failure":"rollback")"), 2u) << production;
    EXPECT_NE(
        production.find(
            R"("sha":")" + sha(12) +
            R"(","deployed_at":"2026-11-20T10:00:00Z","trigger":"push","status":"succeeded","failure":"rollback")"),
        std::string::npos)
        << production;
}

TEST(Scenario, PushesToOtherBranchesAndTestDeliveriesAreIgnored) {
    Scenario s;
    auto out = s.ingest(
        {push_event("p1", 1, 10, 11, {11}, "2026-11-20T09:00:00Z", "feature/x"),
         R"({"subscriptionId":"00000000-0000-0000-0000-000000000000","id":"03c164c2-8912-4d5e-8009-3707d5f83734","eventType":"git.push","resource":{}})"});
    EXPECT_EQ(count(out, ": ignored"), 2u) << out;
    // ingest says why, in the same words as the webhook's answer.
    EXPECT_EQ(count(out, ": ignored: no deployment tracks Contoso/web-api:feature/x\n"), 1u) << out;
    EXPECT_EQ(count(out, ": ignored: Test delivery\n"), 1u) << out;
    EXPECT_EQ(s.deploys("production"), "[]\n");
}

}  // namespace
}  // namespace shiplog::testing
