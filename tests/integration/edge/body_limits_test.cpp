// Bodies are capped per route before anything is buffered, oversized
// declared lengths are refused unread, and the memory of large legitimate
// bodies is returned after the request.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "attack.hpp"

namespace shiplog::testing::edge {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t k_mib = 1 << 20;

// 512 MiB chunked to a route that must not read it; RSS may not grow 64 MiB.
void expect_chunked_flood_refused(const std::string& request_line) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    pid_t pid = daemon.serve().process().pid();
    ASSERT_TRUE(daemon.client().Get("/healthz"));  // warm: first request's allocations
    std::size_t before = rss_bytes(pid);
    ASSERT_GT(before, 0u);
    const std::string piece = chunk_of(64 * 1024);
    auto r = stream_request(
        daemon.port(),
        request_line +
            "\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
        512 * k_mib, [&] { return piece; }, 60s);
    std::size_t peak = peak_rss_bytes(pid);
    auto statuses = response_statuses(r.answer);
    std::printf(
        "[ measured ] %s with 512 MiB chunked: %s after %lld ms, %zu KiB of body taken, "
        "RSS %zu MiB -> peak %zu MiB\n",
        request_line.c_str(), statuses.empty() ? "no answer" : std::to_string(statuses[0]).c_str(),
        static_cast<long long>(r.first_answer_after_head.count()), r.body_sent >> 10,
        before / k_mib, peak / k_mib);
    ASSERT_FALSE(statuses.empty()) << request_line << ": no answer: " << r.answer.substr(0, 300);
    EXPECT_GE(statuses.front(), 400) << r.answer.substr(0, 300);
    EXPECT_LT(statuses.front(), 500) << r.answer.substr(0, 300);
    if (k_rss_bounds_apply) {
        EXPECT_LT(peak - std::min(peak, before), 64 * k_mib)
            << request_line << ": RSS grew from " << before / k_mib << " MiB to " << peak / k_mib
            << " MiB";
    }
    expect_healthz_ok(daemon);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(HostileEdge, ChunkedHalfGigabyteToAnUnknownPathIsRefusedUnbuffered) {
    expect_chunked_flood_refused("POST /nope HTTP/1.1");
}

TEST(HostileEdge, ChunkedHalfGigabyteToHealthzIsRefusedUnbuffered) {
    expect_chunked_flood_refused("POST /healthz HTTP/1.1");
}

// Content-Length 10^12 while the client keeps sending: 413 within 1 s,
// before the body is read, whether authenticated or not.
TEST(HostileEdge, TerabyteContentLengthIsRefusedWithinOneSecond) {
    DaemonHarness daemon;  // max_body_bytes 1 MiB
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::string zeros(64 * 1024, '0');
    const std::vector<std::pair<std::string, std::string>> heads = {
        {"authenticated webhook", "POST /hooks/azure-devops HTTP/1.1\r\nHost: x\r\n" +
                                      basic_auth_header() + "Content-Type: application/json\r\n"},
        {"anonymous webhook",
         "POST /hooks/azure-devops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"},
        {"unknown path", "POST /nope HTTP/1.1\r\nHost: x\r\n"},
    };
    for (const auto& [name, head] : heads) {
        auto r = stream_request(
            daemon.port(), head + "Content-Length: 1000000000000\r\n\r\n",
            std::size_t{1000000000000}, [&] { return zeros; }, 15s);
        auto statuses = response_statuses(r.answer);
        std::printf("[ measured ] Content-Length 10^12 (%s): %s after %lld ms, %zu MiB taken\n",
                    name.c_str(),
                    statuses.empty() ? "no answer" : std::to_string(statuses[0]).c_str(),
                    static_cast<long long>(r.first_answer_after_head.count()), r.body_sent / k_mib);
        ASSERT_FALSE(statuses.empty()) << name << ": no answer: " << r.answer.substr(0, 300);
        EXPECT_GE(statuses.front(), 400) << name << ": " << r.answer.substr(0, 300);
        EXPECT_LT(statuses.front(), 500) << name << ": " << r.answer.substr(0, 300);
        EXPECT_GE(r.first_answer_after_head.count(), 0) << name;
        EXPECT_LE(r.first_answer_after_head, 1000ms * k_latency_factor) << name;
        EXPECT_TRUE(r.closed) << name << ": connection left open after refusing the body";
    }
    ASSERT_EQ(daemon.stop(), 0);
    EXPECT_TRUE(daemon.journal_event_ids().empty());
}

// A valid git.push of about `bytes`: many commits, the shape that makes a
// parser allocate per element (not one long string).
std::string large_push(const std::string& id, std::size_t bytes) {
    std::size_t one = make_push_event(id, "web-api", "main", 1).size();
    std::size_t per_commit = make_push_event(id, "web-api", "main", 2).size() - one;
    int commits = static_cast<int>((bytes - one) / per_commit) + 1;
    return make_push_event(id, "web-api", "main", commits);
}

// Eight 20 MiB authenticated webhooks at once (valid JSON): all answered 200,
// and afterwards the daemon's RSS is back under 200 MiB.
TEST(HostileEdge, LargeAuthenticatedBodiesDoNotKeepMemory) {
    DaemonOptions options;
    options.max_body_bytes = 25 * k_mib;
    options.max_size_mb = 2048;  // eight 20 MiB events fit in the journal
    // This is about memory, not deadlines: 160 MiB uploaded at once on a
    // loaded 2-core CI box can take longer than the default 10 s.
    options.server_toml = "request_timeout_s = 120\n";
    DaemonHarness daemon(options);
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    pid_t pid = daemon.serve().process().pid();
    constexpr int k_bodies = 8;
    std::vector<std::string> bodies;
    for (int i = 0; i < k_bodies; ++i) {
        bodies.push_back(large_push("ev-large-" + std::to_string(i), 20 * k_mib));
        ASSERT_GE(bodies.back().size(), 20 * k_mib);
        ASSERT_LT(bodies.back().size(), 25 * k_mib);
    }
    std::vector<int> statuses(k_bodies, 0);
    std::vector<std::thread> senders;
    for (int i = 0; i < k_bodies; ++i) {
        senders.emplace_back([&, i] {
            auto answer = raw_exchange(
                daemon.port(), webhook_request(bodies[static_cast<std::size_t>(i)], false), 60s);
            auto s = response_statuses(answer);
            statuses[static_cast<std::size_t>(i)] = s.empty() ? 0 : s.front();
        });
    }
    for (auto& t : senders) t.join();
    for (int i = 0; i < k_bodies; ++i) {
        const int status = statuses[static_cast<std::size_t>(i)];
        if (k_rss_bounds_apply) {
            EXPECT_EQ(status, 200) << "body " << i;
        } else {
            // Debug+ASan parses 20 MiB several times slower than the product
            // build; past the 8 s commit deadline the answer is 503, which
            // Azure DevOps retries. Anything else is still wrong.
            EXPECT_TRUE(status == 200 || status == 503) << "body " << i << ": " << status;
        }
    }
    // Memory handed back to the system may lag the last response a little:
    // poll for the bound with a deadline.
    constexpr std::size_t k_bound = 200 * k_mib;
    auto deadline = Clock::now() + 5s;
    std::size_t rss = rss_bytes(pid);
    while (k_rss_bounds_apply && rss >= k_bound && Clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);  // polling a condition with a deadline
        rss = rss_bytes(pid);
    }
    std::printf("[ measured ] after 8 x 20 MiB webhooks: RSS %zu MiB (peak %zu MiB)\n", rss / k_mib,
                peak_rss_bytes(pid) / k_mib);
    if (k_rss_bounds_apply) {
        EXPECT_LT(rss, k_bound) << "RSS after the large bodies: " << rss / k_mib << " MiB";
    }
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing::edge
