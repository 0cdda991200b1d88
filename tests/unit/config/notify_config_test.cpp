// [[notify]]: kinds, the URL as a secret (never in a message), events and
// deployment filters, default names.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "config/load_config.hpp"
#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::config {
namespace {

namespace fs = std::filesystem;
using shiplog::testing::TempDir;

constexpr auto k_private = fs::perms::owner_read | fs::perms::owner_write;
constexpr const char* k_secret_url = "https://hooks.example.com/services/T000/B000/s3cr3t-token";

constexpr const char* k_base = R"([storage]
path = "store"

[[deployment]]
name = "web-api"
environment = "production"
project = "Fabrikam"
repository = "web-api"
)";

class NotifyConfigTest : public ::testing::Test {
  protected:
    Result<Config> load(const std::string& notify) {
        m_path = m_dir.write("shiplog.toml", std::string(k_base) + notify);
        return load_config(m_path, Environment{});
    }
    TempDir m_dir;
    fs::path m_path;
};

TEST_F(NotifyConfigTest, NoNotifyMeansNoTargets) {
    auto config = load("");
    ASSERT_OK(config);
    EXPECT_TRUE(config->notify.empty());
}

TEST_F(NotifyConfigTest, ReadsKindUrlEventsAndDefaultsTheName) {
    m_dir.write("teams-url", std::string(k_secret_url) + "\n", k_private);
    m_dir.write("hook-url", "http://127.0.0.1:9000/x\n", k_private);
    auto config = load(R"(
[[notify]]
kind = "teams"
url_file = "teams-url"
events = ["deploy.failed", "incident.opened", "deploy.failed"]
deployments = ["web-api"]

[[notify]]
kind = "webhook"
url_file = "hook-url"
)");
    ASSERT_OK(config);
    ASSERT_EQ(config->notify.size(), 2u);
    const auto& teams = config->notify[0];
    EXPECT_EQ(teams.name, "teams");
    EXPECT_EQ(teams.kind, NotifyKind::teams);
    EXPECT_EQ(teams.url.reveal(), k_secret_url);
    EXPECT_EQ(teams.host, "hooks.example.com");
    EXPECT_EQ(teams.events, (std::vector<std::string>{"deploy.failed", "incident.opened"}));
    EXPECT_TRUE(teams.wants_deployment("web-api"));
    EXPECT_FALSE(teams.wants_deployment("other"));
    const auto& hook = config->notify[1];
    EXPECT_EQ(hook.name, "webhook");
    EXPECT_EQ(hook.host, "127.0.0.1:9000");
    EXPECT_FALSE(hook.wants("deploy.succeeded"));  // default events leave it out
    EXPECT_TRUE(hook.wants("deploy.failed"));
    EXPECT_TRUE(hook.wants_deployment("anything"));
}

TEST_F(NotifyConfigTest, TwoOfAKindAreNumbered) {
    m_dir.write("a", "https://a.example/1\n", k_private);
    m_dir.write("b", "https://b.example/2\n", k_private);
    auto config = load(R"(
[[notify]]
kind = "slack"
url_file = "a"
[[notify]]
kind = "slack"
url_file = "b"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->notify[0].name, "slack-1");
    EXPECT_EQ(config->notify[1].name, "slack-2");
}

TEST_F(NotifyConfigTest, ErrorsNameTheKeyAndNeverTheUrl) {
    struct Case {
        std::string notify;
        std::string key;
        std::string problem;
    };
    m_dir.write("good", std::string(k_secret_url) + "\n", k_private);
    m_dir.write("open", std::string(k_secret_url) + "\n",
                k_private | fs::perms::group_read | fs::perms::others_read);
    m_dir.write("ftp", "ftp://s3cr3t-token@example.com/\n", k_private);
    m_dir.write("two", std::string(k_secret_url) + "\nsecond\n", k_private);
    const Case cases[] = {
        {"kind = \"email\"\nurl_file = \"good\"", "notify[0].kind", "not one of teams, slack"},
        {"kind = \"teams\"", "notify[0].url_file", "required key is missing"},
        {"kind = \"teams\"\nurl_file = \"missing\"", "notify[0].url_file", "no such file"},
        {"kind = \"teams\"\nurl_file = \"open\"", "notify[0].url_file", "chmod 600"},
        {"kind = \"teams\"\nurl_file = \"ftp\"", "notify[0].url_file", "not an http"},
        {"kind = \"teams\"\nurl_file = \"two\"", "notify[0].url_file", "exactly one line"},
        {"kind = \"teams\"\nurl_file = \"good\"\nevents = [\"deploy.started\"]",
         "notify[0].events[0]", "is not one of deploy.succeeded"},
        {"kind = \"teams\"\nurl_file = \"good\"\ndeployments = [\"nope\"]",
         "notify[0].deployments[0]", "no [[deployment]] has name"},
        {"kind = \"teams\"\nurl_file = \"good\"\ncolour = \"red\"", "notify[0].colour",
         "unknown key"},
        {"kind = \"teams\"\nurl_file = \"good\"\nname = \"Bad Name\"", "notify[0].name",
         "not a slug"},
    };
    for (const auto& c : cases) {
        auto config = load("\n[[notify]]\n" + c.notify + "\n");
        ASSERT_FALSE(config.has_value()) << c.notify;
        const std::string& message = config.error().message;
        EXPECT_NE(message.find(": " + c.key + ": "), std::string::npos) << message;
        EXPECT_NE(message.find(c.problem), std::string::npos) << message;
        EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << "URL leaked: " << message;
    }
}

TEST_F(NotifyConfigTest, DuplicateNamesAreRefused) {
    m_dir.write("a", "https://a.example/1\n", k_private);
    auto config = load(R"(
[[notify]]
name = "ops"
kind = "slack"
url_file = "a"
[[notify]]
name = "ops"
kind = "teams"
url_file = "a"
)");
    ASSERT_FALSE(config.has_value());
    EXPECT_NE(config.error().message.find("duplicate name \"ops\""), std::string::npos)
        << config.error().message;
}

}  // namespace
}  // namespace shiplog::config
