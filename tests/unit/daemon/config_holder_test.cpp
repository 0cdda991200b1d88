// ConfigHolder: the snapshot every request takes. Readers run on up to 100
// workers at once while SIGHUP swaps the config.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "daemon/config_holder.hpp"

namespace shiplog::daemon {
namespace {

config::Config config_with_port(int port) {
    config::Config c;
    c.server.listen_port = static_cast<std::uint16_t>(port);
    c.server.max_body_bytes = static_cast<std::size_t>(port) * 2;  // second field, same "version"
    return c;
}

// get() must not take a lock all workers share: the holder is one atomic
// shared_ptr, not a mutex beside a shared_ptr (a std::mutex alone is 40 bytes).
static_assert(sizeof(ConfigHolder) == sizeof(std::atomic<std::shared_ptr<const config::Config>>),
              "ConfigHolder::get() should be a lock-free read of one atomic shared_ptr");

TEST(ConfigHolder, SnapshotStaysValidAfterSet) {
    ConfigHolder holder(config_with_port(1000));
    auto before = holder.get();
    holder.set(config_with_port(2000));
    EXPECT_EQ(before->server.listen_port, 1000);  // the old snapshot is still alive
    EXPECT_EQ(holder.get()->server.listen_port, 2000);
}

TEST(ConfigHolder, ConcurrentReadersSeeWholeConfigsWhileReloading) {
    constexpr int k_readers = 4;
    constexpr int k_last_port = 2000;
    ConfigHolder holder(config_with_port(1));
    std::atomic<bool> stop{false};
    std::atomic<int> torn{0};
    std::atomic<int> started{0};
    std::atomic<int> saw_last{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < k_readers; ++i)
        readers.emplace_back([&] {
            int last = 0;
            bool counted_start = false, counted_last = false;
            while (!stop.load(std::memory_order_relaxed)) {
                auto c = holder.get();
                const int port = c->server.listen_port;
                if (c->server.max_body_bytes != static_cast<std::size_t>(port) * 2 || port < last)
                    ++torn;
                last = port;
                if (!counted_start) counted_start = (++started, true);
                if (port == k_last_port && !counted_last) counted_last = (++saw_last, true);
            }
        });
    // Every reader is reading before the swaps start and still reading after
    // the last one (on a busy machine a thread may otherwise never run while
    // the swaps happen). Bounded waits: a bug fails instead of hanging.
    auto wait_for = [](const std::atomic<int>& counter, int n) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (counter.load() < n && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        return counter.load() >= n;
    };
    EXPECT_TRUE(wait_for(started, k_readers));
    for (int port = 2; port <= k_last_port; ++port) holder.set(config_with_port(port));
    EXPECT_TRUE(wait_for(saw_last, k_readers));
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(torn.load(), 0);
    EXPECT_EQ(holder.get()->server.listen_port, k_last_port);
    EXPECT_EQ(holder.get().use_count(), 2);  // the holder's and this temporary's
}

}  // namespace
}  // namespace shiplog::daemon
