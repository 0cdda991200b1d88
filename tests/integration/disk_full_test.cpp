// The disk under the store fills up (not the LMDB map): the webhook answers
// 503 and the daemon keeps running; once space is freed, writes go through
// again without a restart, and every acknowledged event is stored once.
// Before the fix, the commit that hit ENOSPC left lmdb++ holding a freed
// transaction and the next write crashed the daemon.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace shiplog::testing {
namespace {

// A tmpfs mounted on `where` for the life of the object. The unmount is lazy
// so a failed assertion (daemon still running) does not leave it busy.
class TmpfsMount {
  public:
    TmpfsMount(const std::filesystem::path& where, std::size_t bytes) : m_where(where) {
        std::filesystem::create_directories(where);
        const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
        if (::mount("tmpfs", where.c_str(), "tmpfs", 0, options.c_str()) == 0)
            m_mounted = true;
        else
            m_error = std::strerror(errno);
    }
    ~TmpfsMount() {
        if (m_mounted) ::umount2(m_where.c_str(), MNT_DETACH);
    }
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    bool mounted() const { return m_mounted; }
    const std::string& error() const { return m_error; }

  private:
    std::filesystem::path m_where;
    bool m_mounted = false;
    std::string m_error;
};

std::uint64_t free_bytes(const std::filesystem::path& where) {
    struct statvfs fs {};
    if (::statvfs(where.c_str(), &fs) != 0) return 0;
    return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

// Fills `file` until at most `leave` bytes remain free on its file system.
void write_ballast(const std::filesystem::path& file, std::uint64_t leave) {
    const std::string chunk(64 * 1024, 'x');
    std::ofstream out(file, std::ios::binary);
    while (free_bytes(file.parent_path()) > leave + chunk.size() &&
           out.write(chunk.data(), chunk.size()))
        out.flush();
}

TEST(DiskFull, Answers503KeepsRunningAndResumesWhenSpaceIsFreed) {
    DaemonOptions options;
    options.max_size_mb = 64;  // the map is not what fills up
    DaemonHarness daemon(options);
    TmpfsMount disk(daemon.store_path(), 8u << 20);
    if (!disk.mounted())
        GTEST_SKIP() << "cannot mount a tmpfs on " << daemon.store_path() << " (" << disk.error()
                     << "); this test needs root or CAP_SYS_ADMIN";

    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const auto ballast = daemon.store_path() / "ballast";
    write_ballast(ballast, 1u << 20);

    // Distinct ~20 KB events, tracked and untracked, until the disk is full.
    std::vector<std::string> accepted;
    int n = 0;
    auto next_event = [&n](std::string& id) {
        id = "ev-disk-" + std::to_string(n);
        return make_push_event(id, n++ % 2 ? "web-api" : "billing", "main", 60);
    };
    int first_refusal = -1;
    for (int attempt = 0; attempt < 400 && first_refusal < 0; ++attempt) {
        std::string id;
        auto res = daemon.post_event(next_event(id));
        ASSERT_TRUE(res) << "no answer for " << id << ": " << daemon.serve().process().output();
        if (res->status == 200)
            accepted.push_back(id);
        else {
            EXPECT_EQ(res->status, 503) << res->body;
            first_refusal = attempt;
        }
    }
    ASSERT_GE(first_refusal, 0) << "the disk never filled";
    std::printf("[ measured ] %zu events accepted before the first 503 on a full disk\n",
                accepted.size());

    // Readiness names the disk, not the map: raising max_size_mb would not help.
    {
        auto ready = daemon.client().Get("/readyz");
        ASSERT_TRUE(ready);
        EXPECT_EQ(ready->status, 503) << ready->body;
        EXPECT_NE(ready->body.find("disk full"), std::string::npos) << ready->body;
        EXPECT_NE(ready->body.find("free space there"), std::string::npos) << ready->body;
        EXPECT_EQ(ready->body.find("max_size_mb"), std::string::npos) << ready->body;
    }

    // 20 more writes: each answered 503 by a live daemon (the crash was here).
    for (int i = 0; i < 20; ++i) {
        std::string id;
        auto res = daemon.post_event(next_event(id));
        ASSERT_TRUE(res) << "daemon gone after refusal " << i << ": "
                         << daemon.serve().process().output();
        EXPECT_EQ(res->status, 503) << id << ": " << res->body;
        if (res->status == 200) accepted.push_back(id);
        auto health = daemon.client().Get("/healthz");
        ASSERT_TRUE(health) << daemon.serve().process().output();
        EXPECT_EQ(health->status, 200);
    }

    // The operator frees space; no restart.
    std::filesystem::remove(ballast);
    int stored_again = 0;
    for (int i = 0; i < 10; ++i) {
        std::string id;
        auto res = daemon.post_event(next_event(id));
        ASSERT_TRUE(res) << daemon.serve().process().output();
        EXPECT_EQ(res->status, 200) << id << ": " << res->body;
        if (res->status == 200) {
            accepted.push_back(id);
            ++stored_again;
        }
    }
    EXPECT_EQ(stored_again, 10);
    auto ready = daemon.client().Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << ready->body;

    ASSERT_EQ(daemon.stop(), 0) << daemon.serve().process().output();
    auto output = daemon.serve().process().output();
    EXPECT_NE(output.find("the disk holding the store is full"), std::string::npos) << output;
    EXPECT_NE(output.find("store writable again"), std::string::npos) << output;

    // After a restart every acknowledged event is there, once, and nothing else.
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    expect_duplicates(daemon, accepted, 60);
    ASSERT_EQ(daemon.stop(), 0);
    auto ids = daemon.journal_event_ids();
    EXPECT_EQ(ids, accepted);
    expect_each_once(ids);
}

}  // namespace
}  // namespace shiplog::testing
