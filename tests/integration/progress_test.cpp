// Long commands through the real binary with stderr on a pipe (not a
// terminal): no progress bar, exactly one summary line whose counts agree
// with what the command printed per item.
#include <gtest/gtest.h>

#include <regex>

#include "daemon_harness.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

std::size_t lines_ending(const std::string& out, const std::string& suffix) {
    std::size_t n = 0, start = 0;
    while (start < out.size()) {
        auto end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        const std::string line = out.substr(start, end - start);
        if (line.size() >= suffix.size() &&
            line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
            ++n;
        start = end + 1;
    }
    return n;
}

TEST(ProgressTest, IngestAndReindexPrintOneSummaryLineWhenStderrIsNotATerminal) {
    TempDir dir;
    const auto config = dir.write(
        "shiplog.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"store\"\nmax_size_mb = 64\n\n"
        "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
        "\"Contoso\"\nrepository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n");
    std::vector<std::string> args{"ingest", "--config", config.string()};
    const std::vector<std::string> bodies{make_push_event("ev-1"), make_push_event("ev-2"),
                                          make_push_event("ev-1"),
                                          make_push_event("ev-3", "web-api", "feature"),
                                          make_push_event("ev-4", "web-api", "main", 3)};
    for (std::size_t i = 0; i < bodies.size(); ++i)
        args.push_back(dir.write("event-" + std::to_string(i) + ".json", bodies[i]).string());

    auto ingest = run_command(SHIPLOG_BINARY, args);
    ASSERT_EQ(ingest.exit_code, 0) << ingest.out << ingest.err;
    const auto stored = lines_ending(ingest.out, ": stored");
    const auto duplicate = lines_ending(ingest.out, ": duplicate");
    EXPECT_EQ(duplicate, 1u) << ingest.out;
    EXPECT_GE(stored, 3u) << ingest.out;
    EXPECT_EQ(ingest.err.find('\r'), std::string::npos) << ingest.err;
    std::smatch m;
    const std::regex summary(
        R"(ingest: 5 files in [0-9]+\.[0-9] s \([0-9.,]+/s\), ([0-9]+) stored, ([0-9]+) duplicate, ([0-9]+) ignored, 0 errors\n)");
    ASSERT_TRUE(std::regex_match(ingest.err, m, summary)) << ingest.err;
    EXPECT_EQ(std::stoul(m[1]), stored);
    EXPECT_EQ(std::stoul(m[2]), duplicate);
    EXPECT_EQ(std::stoul(m[1]) + std::stoul(m[2]) + std::stoul(m[3]), bodies.size());

    auto reindex = run_command(SHIPLOG_BINARY, {"reindex", "--config", config.string()});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.err;
    EXPECT_NE(reindex.out.find("rebuilt"), std::string::npos) << reindex.out;
    const std::regex reindex_summary(
        R"(reindex: ([0-9]+) journal entries in [0-9]+\.[0-9] s \([0-9.,]+/s\)\n)");
    ASSERT_TRUE(std::regex_match(reindex.err, m, reindex_summary)) << reindex.err;
    // Every stored delivery is a journal entry (ignored ones are journaled too).
    EXPECT_GE(std::stoul(m[1]), stored);
    EXPECT_LE(std::stoul(m[1]), bodies.size() - duplicate);
}

}  // namespace
}  // namespace shiplog::testing
