// `shiplog backup DEST_DIR` against a serving daemon: the copy is a complete,
// openable store, and taking it does not disturb serve.
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.hpp"
#include "storage/journal.hpp"
#include "storage/store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

namespace fs = std::filesystem;

void post_stored(const DaemonHarness& daemon, const std::string& id) {
    auto res = daemon.post_event(make_push_event(id));
    ASSERT_TRUE(res) << "POST " << id << " failed: " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->body, R"({"status":"stored"})");
}

TEST(Backup, CopiesTheStoreWhileServing) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    const std::vector<std::string> posted = {"bk-1", "bk-2", "bk-3"};
    for (const auto& id : posted) post_stored(daemon, id);

    // A folder that does not exist yet, below one that does not either.
    const fs::path dest = daemon.dir() / "backups" / "first";
    auto backup = run_command(SHIPLOG_BINARY,
                              {"backup", "--config", daemon.config_path().string(), dest.string()});
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
    EXPECT_NE(backup.out.find("backup written to " + dest.string() + " ("), std::string::npos)
        << backup.out;
    EXPECT_NE(backup.out.find(" bytes)"), std::string::npos) << backup.out;
    EXPECT_TRUE(backup.err.empty()) << backup.err;

    // Raw events are private: the copy is as closed as the store.
    struct stat st {};
    ASSERT_EQ(::stat(dest.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((dest / "data.mdb").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_NE(backup.out.find("(" + std::to_string(st.st_size) + " bytes)"), std::string::npos)
        << backup.out;

    auto env_stat = run_command("/usr/bin/mdb_stat", {"-e", dest.string()});
    EXPECT_EQ(env_stat.exit_code, 0) << env_stat.err;
    EXPECT_NE(env_stat.out.find("Environment Info"), std::string::npos) << env_stat.out;
    auto journal_stat = run_command("/usr/bin/mdb_stat", {"-s", "journal", dest.string()});
    EXPECT_EQ(journal_stat.exit_code, 0) << journal_stat.err;
    EXPECT_NE(journal_stat.out.find("Entries: 3\n"), std::string::npos) << journal_stat.out;
    EXPECT_EQ(journal_event_ids_in(dest), posted);

    // serve did not notice: still healthy, still storing.
    auto health = daemon.client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    post_stored(daemon, "bk-after");
    EXPECT_EQ(daemon.stop(), 0) << daemon.serve().process().output();

    // The backup is a snapshot: the later event is in the store, not in the copy.
    EXPECT_EQ(daemon.journal_event_ids(),
              (std::vector<std::string>{"bk-1", "bk-2", "bk-3", "bk-after"}));
    EXPECT_EQ(journal_event_ids_in(dest), posted);
}

// Entries of one table in an LMDB environment folder, as `mdb_stat` counts them.
long table_entries(const fs::path& store_dir, const std::string& table) {
    auto stat = run_command("/usr/bin/mdb_stat", {"-s", table, store_dir.string()});
    EXPECT_EQ(stat.exit_code, 0) << stat.err;
    const auto at = stat.out.find("Entries: ");
    if (at == std::string::npos) {
        ADD_FAILURE() << "no entry count in: " << stat.out;
        return -1;
    }
    return std::stol(stat.out.substr(at + 9));
}

// The copy is one committed transaction even while the writer commits batch
// after batch: journal and dedup index agree, and it is a prefix of the store.
TEST(Backup, IsASnapshotWhileEventsKeepArriving) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    for (int i = 0; i < 5; ++i) post_stored(daemon, "warm-" + std::to_string(i));

    std::atomic<bool> stop_posting{false};
    std::atomic<int> failures{0};
    std::thread poster([&] {
        for (int i = 0; i < 2000 && !stop_posting; ++i) {
            auto res = daemon.post_event(make_push_event("live-" + std::to_string(i)));
            if (!res || res->status != 200) ++failures;
        }
    });
    const fs::path dest = daemon.dir() / "live-backup";
    auto backup = run_command(SHIPLOG_BINARY,
                              {"backup", "--config", daemon.config_path().string(), dest.string()});
    stop_posting = true;
    poster.join();
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
    EXPECT_EQ(failures, 0) << "serve failed requests during the backup";
    EXPECT_EQ(daemon.stop(), 0);

    const auto copied = journal_event_ids_in(dest);
    const auto all = daemon.journal_event_ids();
    ASSERT_GE(copied.size(), 5u);
    ASSERT_LE(copied.size(), all.size());
    EXPECT_TRUE(std::equal(copied.begin(), copied.end(), all.begin()));
    EXPECT_EQ(table_entries(dest, "journal"), static_cast<long>(copied.size()));
    EXPECT_EQ(table_entries(dest, "event_ids"), static_cast<long>(copied.size()));
}

TEST(Backup, RefusesANonEmptyFolderAndLeavesItAlone) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    post_stored(daemon, "ne-1");

    TempDir target;
    target.write("keep-me.txt", "precious\n");
    auto backup = run_command(SHIPLOG_BINARY, {"backup", "--config", daemon.config_path().string(),
                                               target.path().string()});
    EXPECT_EQ(backup.exit_code, 1) << backup.out;
    EXPECT_NE(backup.err.find(target.path().string()), std::string::npos) << backup.err;
    EXPECT_NE(backup.err.find("not empty"), std::string::npos) << backup.err;
    EXPECT_FALSE(fs::exists(target / "data.mdb"));
    EXPECT_EQ(read_file(target / "keep-me.txt"), "precious\n");

    // A second backup into the folder of a first one is the same mistake.
    const fs::path dest = daemon.dir() / "bk";
    ASSERT_EQ(run_command(SHIPLOG_BINARY,
                          {"backup", "--config", daemon.config_path().string(), dest.string()})
                  .exit_code,
              0);
    auto again = run_command(SHIPLOG_BINARY,
                             {"backup", "--config", daemon.config_path().string(), dest.string()});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(Backup, AnEmptyExistingFolderIsFineAndAFileIsNot) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    post_stored(daemon, "ef-1");
    EXPECT_EQ(daemon.stop(), 0);  // a backup of a stopped store works the same

    TempDir empty;
    auto backup = run_command(SHIPLOG_BINARY, {"backup", "--config", daemon.config_path().string(),
                                               empty.path().string()});
    EXPECT_EQ(backup.exit_code, 0) << backup.err;
    EXPECT_EQ(journal_event_ids_in(empty.path()), std::vector<std::string>{"ef-1"});

    auto file = daemon.dir().write("not-a-folder", "x");
    auto onto_file = run_command(
        SHIPLOG_BINARY, {"backup", "--config", daemon.config_path().string(), file.string()});
    EXPECT_EQ(onto_file.exit_code, 1);
    EXPECT_NE(onto_file.err.find(file.string()), std::string::npos) << onto_file.err;
}

TEST(Backup, MissingStoreOrBrokenConfigIsExitOne) {
    TempDir dir;
    auto config =
        dir.write("shiplog.toml",
                  "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"never-created\"\n");
    auto no_store = run_command(SHIPLOG_BINARY,
                                {"backup", "--config", config.string(), (dir / "out").string()});
    EXPECT_EQ(no_store.exit_code, 1);
    EXPECT_NE(no_store.err.find("never-created"), std::string::npos) << no_store.err;
    EXPECT_FALSE(fs::exists(dir / "never-created")) << "a backup must not create a store";
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing to copy, so no folder either";

    auto broken = dir.write("broken.toml", "[storage]\npath = \"s\"\nbogus = 1\n");
    auto bad = run_command(SHIPLOG_BINARY,
                           {"backup", "--config", broken.string(), (dir / "out").string()});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("broken.toml:3"), std::string::npos) << bad.err;
}

// Restoring = pointing storage.path at the backup folder.
TEST(Backup, ABackupFolderServesAsAStore) {
    DaemonHarness daemon;
    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    post_stored(daemon, "rs-1");
    post_stored(daemon, "rs-2");
    const fs::path dest = daemon.dir() / "restore-me";
    auto backup = run_command(SHIPLOG_BINARY,
                              {"backup", "--config", daemon.config_path().string(), dest.string()});
    ASSERT_EQ(backup.exit_code, 0) << backup.err;
    EXPECT_EQ(daemon.stop(), 0);

    TempDir restored;
    auto config =
        restored.write("shiplog.toml", "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"" +
                                           dest.string() + "\"\nmax_size_mb = 64\n");
    auto check = run_command(SHIPLOG_BINARY, {"config", "check", "--config", config.string()});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(journal_event_ids_in(dest), (std::vector<std::string>{"rs-1", "rs-2"}));

    // And a daemon runs on it, deduplicating against the restored journal.
    ServeProcess serve(SHIPLOG_BINARY, config.string());
    ASSERT_TRUE(serve.started()) << serve.process().output();
    httplib::Client c("127.0.0.1", serve.port());
    c.set_connection_timeout(5);
    c.set_read_timeout(15);
    auto dup = c.Post("/hooks/azure-devops", make_push_event("rs-2"), "application/json");
    ASSERT_TRUE(dup);
    EXPECT_EQ(dup->body, R"({"status":"duplicate"})");
    serve.process().send_signal(SIGTERM);
    EXPECT_EQ(serve.process().wait(), 0);
}

}  // namespace
}  // namespace shiplog::testing
