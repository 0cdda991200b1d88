// The command line's conventions through the real binary, on the demo
// history of examples/shiplog.toml (which ends yesterday, so relative
// times have data on both sides): help without a subcommand, usage errors
// (exit 2, one line naming the flag, the configured names and a guess),
// spans for --since/--until, `deploys --since --until --failed`, humanised
// tables, and an Examples section in every subcommand's help.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/time_format.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {
namespace {

const std::filesystem::path k_source = SHIPLOG_SOURCE_DIR;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Every "deployed_at" of a `deploys --json` answer, in order.
std::vector<Timestamp> deployed_at(const std::string& json) {
    std::vector<Timestamp> out;
    static const std::regex k_field("\"deployed_at\":\"([^\"]+)\"");
    for (std::sregex_iterator it(json.begin(), json.end(), k_field), end; it != end; ++it)
        out.push_back(parse_rfc3339((*it)[1].str()).value());
    return out;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

class CliTest : public ::testing::Test {
  protected:
    // One demo store for the whole suite: the demo takes a while and no test
    // here writes.
    static void SetUpTestSuite() {
        s_dir = new TempDir();
        std::string text = read_file(k_source / "examples" / "shiplog.toml");
        text = std::regex_replace(text, std::regex("\nlisten = \"[^\"]*\""),
                                  "\nlisten = \"127.0.0.1:0\"");
        text = std::regex_replace(text, std::regex("\npath = \"[^\"]*\""), "\npath = \"store\"");
        s_config = s_dir->write("shiplog.toml", text);
        auto demo = run_command(SHIPLOG_BINARY, {"demo", "--config", s_config.string()});
        ASSERT_EQ(demo.exit_code, 0) << demo.out << demo.err;
    }
    static void TearDownTestSuite() {
        delete s_dir;
        s_dir = nullptr;
    }

    static CommandResult cli(std::vector<std::string> args) {
        args.push_back("--config");
        args.push_back(s_config.string());
        return run_command(SHIPLOG_BINARY, args);
    }

    static TempDir* s_dir;
    static std::filesystem::path s_config;
};
TempDir* CliTest::s_dir = nullptr;
std::filesystem::path CliTest::s_config;

TEST_F(CliTest, NoSubcommandPrintsTheHelpAndExitsZero) {
    auto bare = run_command(SHIPLOG_BINARY, {});
    EXPECT_EQ(bare.exit_code, 0) << bare.err;
    EXPECT_EQ(bare.err, "");
    EXPECT_FALSE(contains(bare.out, "A subcommand is required")) << bare.out;
    for (const char* sub : {"serve", "deploys", "metrics", "backfill", "hooks", "Examples:"})
        EXPECT_TRUE(contains(bare.out, sub)) << sub << "\n" << bare.out;
    // The same for a group without its subcommand.
    auto hooks = run_command(SHIPLOG_BINARY, {"hooks"});
    EXPECT_EQ(hooks.exit_code, 0) << hooks.err;
    for (const char* sub : {"sync", "list", "remove"})
        EXPECT_TRUE(contains(hooks.out, sub)) << sub << "\n" << hooks.out;
    EXPECT_TRUE(contains(hooks.out, "Examples:\n  shiplog hooks ")) << hooks.out;
    // An unknown subcommand is still a usage error.
    auto unknown = run_command(SHIPLOG_BINARY, {"deploy-list"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_TRUE(contains(unknown.err, "deploy-list")) << unknown.err;
}

TEST_F(CliTest, EverySubcommandsHelpHasExamplesAndNoSpecReference) {
    const std::vector<std::vector<std::string>> subcommands = {
        {"serve"},          {"config", "check"}, {"ingest"},  {"demo"},   {"deploys"},
        {"deploy", "show"}, {"metrics"},         {"reindex"}, {"backup"}, {"hooks", "sync"},
        {"hooks", "list"},  {"hooks", "remove"}, {"backfill"}};
    for (auto args : subcommands) {
        std::string name;
        for (const auto& a : args) name += (name.empty() ? "" : " ") + a;
        SCOPED_TRACE(name);
        args.push_back("--help");
        auto help = run_command(SHIPLOG_BINARY, args);
        EXPECT_EQ(help.exit_code, 0) << help.err;
        const auto examples = help.out.find("Examples:\n  shiplog " + name);
        ASSERT_NE(examples, std::string::npos) << help.out;
        EXPECT_FALSE(contains(help.out, "SPEC")) << help.out;
    }
}

TEST_F(CliTest, UnknownDeploymentOrEnvironmentIsAUsageErrorOnEverySubcommand) {
    for (const std::string sub : {"deploys", "metrics", "backfill"}) {
        SCOPED_TRACE(sub);
        auto typo = cli({sub, "--deployment", "web-apii"});
        EXPECT_EQ(typo.exit_code, 2) << typo.out << typo.err;
        EXPECT_EQ(typo.out, "");
        EXPECT_EQ(typo.err,
                  "--deployment \"web-apii\": no [[deployment]] has this name (did you mean "
                  "\"web-api\"?); configured: web-api, mobile-app\n");
    }
    for (const std::string sub : {"deploys", "metrics"}) {
        SCOPED_TRACE(sub);
        auto far = cli({sub, "--deployment", "frontend"});
        EXPECT_EQ(far.exit_code, 2);
        EXPECT_EQ(far.err,
                  "--deployment \"frontend\": no [[deployment]] has this name; configured: "
                  "web-api, mobile-app\n");
        auto env = cli({sub, "--environment", "prodution"});
        EXPECT_EQ(env.exit_code, 2);
        EXPECT_EQ(env.err,
                  "--environment \"prodution\": no [[deployment]] has this environment (did you "
                  "mean \"production\"?); configured: production, staging\n");
        auto pair = cli({sub, "--deployment", "mobile-app", "--environment", "staging"});
        EXPECT_EQ(pair.exit_code, 2);
        EXPECT_EQ(pair.err,
                  "--environment \"staging\": deployment \"mobile-app\" has no such environment; "
                  "its environments: production\n");
        EXPECT_EQ(pair.out, "");
    }
    // And a known one still works.
    auto ok = cli({"deploys", "--deployment", "web-api", "--environment", "staging"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_TRUE(contains(ok.out, "web-api:staging:")) << ok.out;
}

TEST_F(CliTest, DeploysTakeSpansDatesAndRfc3339) {
    auto all = cli({"deploys", "--json", "--limit", "1000000"});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    const auto every = deployed_at(all.out);
    ASSERT_GT(every.size(), 20u);

    const auto before = system_clock().now();
    auto week = cli({"deploys", "--json", "--limit", "1000000", "--since", "7d"});
    const auto after = system_clock().now();
    ASSERT_EQ(week.exit_code, 0) << week.err;
    const auto in_week = deployed_at(week.out);
    ASSERT_FALSE(in_week.empty()) << "the demo ends yesterday";
    // Exactly the deploys at or after now - 7 days (none close enough to
    // "now" to depend on the moment the command ran).
    std::size_t expected = 0;
    for (auto t : every) {
        const bool surely_in = t >= after - std::chrono::days{7};
        const bool surely_out = t < before - std::chrono::days{7};
        ASSERT_TRUE(surely_in || surely_out);
        expected += surely_in;
    }
    EXPECT_EQ(in_week.size(), expected);
    EXPECT_LT(in_week.size(), every.size());

    // --until takes a span too: [now - 4w, now - 2w).
    auto window =
        cli({"deploys", "--json", "--limit", "1000000", "--since", "4w", "--until", "2w"});
    ASSERT_EQ(window.exit_code, 0) << window.err;
    const auto in_window = deployed_at(window.out);
    ASSERT_FALSE(in_window.empty());
    for (auto t : in_window) {
        EXPECT_GE(t, before - std::chrono::weeks{4});
        EXPECT_LT(t, after - std::chrono::weeks{2});
    }
    // Dates and RFC 3339 bound it the same way.
    const std::string since = format_rfc3339(every.back());
    auto from_first = cli({"deploys", "--json", "--limit", "1000000", "--since", since});
    EXPECT_EQ(from_first.out, all.out);
    auto until_first = cli({"deploys", "--json", "--until", since});
    EXPECT_EQ(until_first.out, "[]\n");

    // Minutes and hours too.
    for (auto [text, span] : {std::pair{"90m", std::chrono::minutes{90}},
                              std::pair{"36h", std::chrono::minutes{36 * 60}}}) {
        const auto start = system_clock().now();
        auto recent = cli({"deploys", "--json", "--limit", "1000000", "--since", text});
        EXPECT_EQ(recent.exit_code, 0) << recent.err;
        for (auto t : deployed_at(recent.out)) EXPECT_GE(t, start - span - std::chrono::seconds{1});
        std::size_t newer = 0;
        for (auto t : every) newer += t >= system_clock().now() - span;
        EXPECT_LE(newer, deployed_at(recent.out).size()) << text;
    }

    // Bad times and a reversed window are usage errors naming the flag.
    auto bad = cli({"deploys", "--since", "7days"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(bad.err,
              "--since: \"7days\" is not a span back from now (90m, 36h, 7d, 2w), a date "
              "(2026-11-01) or an RFC 3339 time (2026-11-01T00:00:00Z)\n");
    auto reversed = cli({"deploys", "--since", "1d", "--until", "2w"});
    EXPECT_EQ(reversed.exit_code, 2);
    EXPECT_TRUE(contains(reversed.err, "is after --until")) << reversed.err;
}

TEST_F(CliTest, MetricsTakeSpans) {
    const auto before = system_clock().now();
    auto metrics = cli({"metrics", "--json", "--since", "36h", "--until", "90m"});
    const auto after = system_clock().now();
    ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(metrics.out, m,
                                  std::regex("\"since\":\"([^\"]+)\",\"until\":\"([^\"]+)\"")))
        << metrics.out;
    const auto since = parse_rfc3339(m[1].str()).value();
    const auto until = parse_rfc3339(m[2].str()).value();
    using namespace std::chrono_literals;
    // Output is whole seconds, truncated.
    EXPECT_GE(since, before - 36h - 1s);
    EXPECT_LE(since, after - 36h);
    EXPECT_GE(until, before - 90min - 1s);
    EXPECT_LE(until, after - 90min);
}

TEST_F(CliTest, FailedListsExactlyTheFailedChanges) {
    auto all = cli({"deploys", "--json", "--limit", "1000000"});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    const std::size_t total = count(all.out, "\"failure\":");
    const std::size_t not_failed = count(all.out, "\"failure\":null");
    ASSERT_GT(total - not_failed, 2u) << "the demo has failures";

    auto failed = cli({"deploys", "--json", "--failed", "--limit", "1000000"});
    ASSERT_EQ(failed.exit_code, 0) << failed.err;
    EXPECT_EQ(count(failed.out, "\"failure\":null"), 0u) << failed.out;
    EXPECT_EQ(count(failed.out, "\"failure\":"), total - not_failed);
    // The same objects, byte for byte, as in the full list.
    static const std::regex k_object("\\{\"id\":\"[^\"]+\"");
    for (std::sregex_iterator it(failed.out.begin(), failed.out.end(), k_object), end; it != end;
         ++it)
        EXPECT_TRUE(contains(all.out, it->str())) << it->str();

    // With a window and a limit: cut after filtering, so both are failed.
    auto two = cli({"deploys", "--json", "--failed", "--since", "13w", "--limit", "2"});
    ASSERT_EQ(two.exit_code, 0) << two.err;
    EXPECT_EQ(count(two.out, "\"failure\":"), 2u) << two.out;
    EXPECT_EQ(count(two.out, "\"failure\":null"), 0u) << two.out;
    auto table = cli({"deploys", "--failed", "--limit", "2"});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_EQ(lines(table.out), 3u) << table.out;  // header + 2
}

TEST_F(CliTest, BadNumbersSayWhatIsExpected) {
    for (const char* value : {"abc", "0", "-3", "1000001", "5x", ""}) {
        SCOPED_TRACE(value);
        auto r = cli({"deploys", "--limit", value});
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_TRUE(contains(r.err, std::string("--limit: \"") + value +
                                        "\" is not a whole number from 1 to 1000000"))
            << r.err;
        EXPECT_FALSE(contains(r.err, "not in range")) << r.err;
    }
    auto one = cli({"deploys", "--limit", "1"});
    EXPECT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(lines(one.out), 2u) << one.out;
}

TEST_F(CliTest, MetricsTableShowsPercentagesAndHumanDurations) {
    auto table = cli({"metrics", "--since", "10w", "--explain"});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_TRUE(std::regex_search(table.out, std::regex("\nchange failure rate +[0-9.]+% ")))
        << table.out;
    const std::regex human(
        "\nlead time median +([0-9]+d [0-9]+h|[0-9]+h [0-9]+m|[0-9]+m [0-9]+s|"
        "[0-9]+s) ");
    EXPECT_TRUE(std::regex_search(table.out, human)) << table.out;
    EXPECT_TRUE(std::regex_search(table.out, std::regex("\ntime to restore median +[0-9]+[dhms] ")))
        << table.out;
    EXPECT_FALSE(contains(table.out, " s (")) << table.out;
    // --json keeps exact numbers: a fraction for the rate, seconds for durations.
    auto json = cli({"metrics", "--json", "--since", "10w"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_TRUE(std::regex_search(json.out, std::regex("\"change_failure_rate\":0\\.[0-9]+[,}]")))
        << json.out;
    EXPECT_TRUE(
        std::regex_search(json.out, std::regex("\"lead_time_seconds\":\\{\"median\":[0-9]+")))
        << json.out;
}

}  // namespace
}  // namespace shiplog::testing
