// The webhook's "ignored" answer names the reason, in the same words as
// `shiplog ingest` (IntakeResult::reason).
#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

TEST(WebhookIgnored, AnswerNamesWhatNoDeploymentTracks) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto other_branch = daemon.post_event(
        make_push_event("5d1c7a3e-2b4f-4e6a-8c9d-0e1f2a3b4c51", "web-api", "topic"));
    ASSERT_TRUE(other_branch);
    EXPECT_EQ(other_branch->status, 200);
    EXPECT_EQ(other_branch->body,
              R"({"status":"ignored","reason":"no deployment tracks Contoso/web-api:topic"})");
    auto unknown_type = daemon.post_event(
        R"({"id":"5d1c7a3e-2b4f-4e6a-8c9d-0e1f2a3b4c52","eventType":"tfvc.checkin","resource":{}})");
    ASSERT_TRUE(unknown_type);
    EXPECT_EQ(unknown_type->body, R"({"status":"ignored","reason":"event type not used"})");
    ASSERT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace shiplog::testing
