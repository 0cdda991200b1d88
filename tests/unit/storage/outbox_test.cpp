// The notification outbox: one message per (event, target) ever, oldest
// first, kept across reopening until removed, and a record codec that
// refuses what it did not write.
#include "storage/outbox.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::storage {
namespace {

using shiplog::testing::TempDir;

std::unique_ptr<Store> open_store(const TempDir& dir) {
    StoreOptions options;
    options.path = dir.path() / "store";
    options.map_size_bytes = std::size_t{64} << 20;
    auto store = Store::open(options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
}

OutboxMessage message(std::string event_id, std::string target) {
    OutboxMessage m;
    m.event_id = std::move(event_id);
    m.target = std::move(target);
    m.event = "deploy.failed";
    m.occurred_at = Timestamp(std::chrono::seconds(1'700'000'000));
    m.queued_at = Timestamp(std::chrono::seconds(1'700'000'005));
    m.deployment = "web-api";
    m.environment = "production";
    m.subject = R"({"id":"web-api:production:7"})";
    m.summary = "commit c0ffee12, 1 change: fix";
    m.link = "https://status.example.com/INC-1";
    return m;
}

Result<bool> enqueue(Store& store, const Outbox& outbox, const OutboxMessage& m) {
    auto txn = lmdb::txn::begin(store.env());
    auto queued = outbox.enqueue(txn, m);
    if (queued) commit(txn);
    return queued;
}

TEST(Outbox, QueuesEachEventOncePerTargetAndKeepsOrderAcrossReopen) {
    TempDir dir;
    {
        auto store = open_store(dir);
        ASSERT_TRUE(store);
        auto outbox = Outbox::open(*store);
        ASSERT_OK(outbox);
        auto a = enqueue(*store, *outbox, message("deploy.failed:web-api:production:7", "teams"));
        ASSERT_OK(a);
        EXPECT_TRUE(*a);
        auto b = enqueue(*store, *outbox, message("deploy.failed:web-api:production:7", "slack"));
        ASSERT_OK(b);
        EXPECT_TRUE(*b);
        auto again =
            enqueue(*store, *outbox, message("deploy.failed:web-api:production:7", "teams"));
        ASSERT_OK(again);
        EXPECT_FALSE(*again);
    }
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    auto outbox = Outbox::open(*store);
    ASSERT_OK(outbox);
    auto rows = read(*store, "outbox", [&](Txn& txn) { return outbox->pending(txn, 10); });
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].message, message("deploy.failed:web-api:production:7", "teams"));
    EXPECT_EQ((*rows)[1].message.target, "slack");
    EXPECT_LT((*rows)[0].seq, (*rows)[1].seq);

    // Removing a sent message does not let the same event queue again.
    {
        auto txn = lmdb::txn::begin(store->env());
        ASSERT_OK(outbox->remove(txn, (*rows)[0].seq));
        commit(txn);
    }
    auto after = enqueue(*store, *outbox, message("deploy.failed:web-api:production:7", "teams"));
    ASSERT_OK(after);
    EXPECT_FALSE(*after);
    auto size = read(*store, "outbox", [&](Txn& txn) { return outbox->size(txn); });
    ASSERT_OK(size);
    EXPECT_EQ(*size, 1u);
    auto later =
        read(*store, "outbox", [&](Txn& txn) { return outbox->pending(txn, 10, (*rows)[1].seq); });
    ASSERT_OK(later);
    EXPECT_TRUE(later->empty());
}

TEST(Outbox, CodecRoundTripsAndRefusesDamagedRecords) {
    const auto m = message("incident.opened:api:pager:1", "webhook");
    const std::string bytes = encode_outbox_message(m);
    auto decoded = decode_outbox_message(bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, m);
    EXPECT_FALSE(decode_outbox_message(bytes.substr(0, bytes.size() - 1)));
    EXPECT_FALSE(decode_outbox_message(bytes + "x"));
    EXPECT_FALSE(decode_outbox_message(std::string("\x02") + bytes.substr(1)));
    EXPECT_FALSE(decode_outbox_message(""));
}

}  // namespace
}  // namespace shiplog::storage
