// hooks.unhealthy: one message per transition of a subscription from enabled
// (or unseen) to any other status, none while it stays unhealthy, a new one
// after it was listed enabled again; the state and the messages share one
// write transaction in the real store.
#include "workers/notify/hook_health.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::daemon {
namespace {

azure::Subscription sub(std::string id, std::string status) {
    azure::Subscription s;
    s.probation_retries = status == "onProbation" ? 2 : 0;
    s.id = std::move(id);
    s.status = std::move(status);
    s.event_type = "git.push";
    s.publisher_inputs = {{"repository", "r-1"}, {"tfsSubscriptionId", "x"}};
    return s;
}

std::vector<std::string> ids(const std::vector<azure::Subscription>& subs) {
    std::vector<std::string> out;
    for (const auto& s : subs) out.push_back(s.id);
    return out;
}

TEST(HookHealth, OneTransitionPerEpisode) {
    std::map<std::string, HookHealthState> known;
    EXPECT_TRUE(note_hook_listing(known, {sub("a", "enabled"), sub("b", "")}).empty());
    // a goes on probation: one transition.
    EXPECT_EQ(ids(note_hook_listing(known, {sub("a", "onProbation"), sub("b", "enabled")})),
              std::vector<std::string>{"a"});
    EXPECT_EQ(known["a"].transitions, 1u);
    // Still unhealthy (also under another status): nothing.
    EXPECT_TRUE(note_hook_listing(known, {sub("a", "onProbation")}).empty());
    EXPECT_TRUE(note_hook_listing(known, {sub("a", "disabledBySystem")}).empty());
    EXPECT_EQ(known["a"].status, "disabledBySystem");
    // Enabled again, then unhealthy again: the second transition.
    EXPECT_TRUE(note_hook_listing(known, {sub("a", "enabled")}).empty());
    EXPECT_EQ(ids(note_hook_listing(known, {sub("a", "disabledByUser")})),
              std::vector<std::string>{"a"});
    EXPECT_EQ(known["a"].transitions, 2u);
    // First seen unhealthy counts; one not created yet (no id) is skipped.
    EXPECT_EQ(ids(note_hook_listing(known, {sub("c", "onProbation"), sub("", "onProbation")})),
              std::vector<std::string>{"c"});
}

TEST(HookHealth, RecordCodecRoundTripsAndRefusesOthers) {
    HookHealthState s{"onProbation", 258};
    EXPECT_EQ(decode_hook_health(encode_hook_health(s)), s);
    EXPECT_EQ(decode_hook_health(""), std::nullopt);
    EXPECT_EQ(decode_hook_health(std::string("\x02\0\0\0\1x", 6)), std::nullopt);
}

TEST(HookHealth, MessageNamesTheSubscriptionWithoutItsCredentials) {
    auto s = sub("1f2e", "onProbation");
    s.consumer_inputs = {{"basicAuthPassword", "hunter2"}, {"url", "https://x/hooks"}};
    auto m = hook_unhealthy_message(s, 3, "ops", Timestamp{std::chrono::seconds{1'795'168'800}});
    EXPECT_EQ(m.event_id, "hooks.unhealthy:1f2e:3");
    EXPECT_EQ(m.event, "hooks.unhealthy");
    EXPECT_EQ(m.target, "ops");
    EXPECT_EQ(m.subject, R"({"id":"1f2e","event_type":"git.push","status":"onProbation",)"
                         R"("probation_retries":2,"filters":{"repository":"r-1"}})");
    EXPECT_NE(m.summary.find("git.push subscription 1f2e is onProbation"), std::string::npos)
        << m.summary;
    EXPECT_EQ(m.subject.find("hunter2"), std::string::npos);
}

TEST(HookHealth, TableAndOutboxChangeTogetherAcrossReopen) {
    testing::TempDir dir;
    config::Config config;
    config::NotifyConfig wants, other;
    wants.name = "ops";
    wants.events = {"hooks.unhealthy"};
    wants.deployments = {"somewhere-else"};  // does not filter hook messages
    other.name = "deploys";
    other.events = {"deploy.failed"};
    config.notify = {wants, other};
    const Timestamp now{std::chrono::seconds{1'795'168'800}};

    auto run = [&](const std::vector<azure::Subscription>& listed) -> std::size_t {
        auto store = storage::Store::open({dir.path() / "store", std::size_t{64} << 20, false});
        EXPECT_OK(store);
        auto table = HookHealthTable::open(**store);
        EXPECT_OK(table);
        auto outbox = storage::Outbox::open(**store);
        EXPECT_OK(outbox);
        auto txn = lmdb::txn::begin((*store)->env());
        auto turned = table->record(txn, *outbox, config, listed, now);
        EXPECT_OK(turned);
        storage::commit(txn);
        return turned ? *turned : 0;
    };
    EXPECT_EQ(run({sub("a", "enabled")}), 0u);
    EXPECT_EQ(run({sub("a", "onProbation")}), 1u);
    EXPECT_EQ(run({sub("a", "onProbation")}), 0u);  // a restart in between changes nothing
    EXPECT_EQ(run({sub("a", "enabled")}), 0u);
    EXPECT_EQ(run({sub("a", "onProbation")}), 1u);

    auto store = storage::Store::open({dir.path() / "store", std::size_t{64} << 20, true});
    ASSERT_OK(store);
    auto outbox = storage::Outbox::open(**store);
    ASSERT_OK(outbox);
    auto rows = storage::read(**store, "outbox",
                              [&](storage::Txn& txn) { return outbox->pending(txn, 10); });
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].message.event_id, "hooks.unhealthy:a:1");
    EXPECT_EQ((*rows)[1].message.event_id, "hooks.unhealthy:a:2");
    for (const auto& r : *rows) EXPECT_EQ(r.message.target, "ops");
}

}  // namespace
}  // namespace shiplog::daemon
