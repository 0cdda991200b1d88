#include "config/load_config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/expect_ok.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::config {
namespace {

namespace fs = std::filesystem;
using shiplog::testing::TempDir;

constexpr auto k_private = fs::perms::owner_read | fs::perms::owner_write;

// An injected environment: only what the test puts in `vars` is set.
struct FakeEnv {
    std::map<std::string, std::string, std::less<>> vars;

    Environment env() const {
        return Environment{[this](std::string_view name) -> std::optional<std::string> {
            auto it = vars.find(name);
            if (it == vars.end()) return std::nullopt;
            return it->second;
        }};
    }
};

// The smallest valid config; tests append to it.
constexpr const char* k_minimal = R"([storage]
path = "store"
)";

class LoadConfigTest : public ::testing::Test {
  protected:
    // Writes `text` as shiplog.toml in the temp dir and loads it.
    Result<Config> load(const std::string& text) {
        m_path = m_dir.write("shiplog.toml", text);
        return load_config(m_path, m_env.env());
    }

    // Asserts that loading `text` fails with a message that starts with
    // "<path>:<line>: <key>: " and contains `problem`.
    void expect_error(const std::string& text, int line, const std::string& key,
                      const std::string& problem) {
        auto result = load(text);
        ASSERT_FALSE(result.has_value()) << "loaded although it should fail:\n" << text;
        const std::string& message = result.error().message;
        std::string prefix = m_path.string() + ":" + std::to_string(line) + ": " + key + ": ";
        EXPECT_EQ(message.rfind(prefix, 0), 0u)
            << "message: " << message << "\nexpected prefix: " << prefix;
        EXPECT_NE(message.find(problem), std::string::npos)
            << "message: " << message << "\nmissing: " << problem;
        EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
        EXPECT_EQ(result.error().code, ErrorCode::config);
    }

    TempDir m_dir;
    FakeEnv m_env;
    fs::path m_path;
};

// --- the shipped example ---------------------------------------------------

TEST(ExampleConfig, LoadsWithOnlyTheTwoLoopbackWarnings) {
    FakeEnv env;  // no secrets, no SHIPLOG_* variables
    fs::path source(SHIPLOG_SOURCE_DIR);
    auto config = load_config(source / "examples" / "shiplog.toml", env.env());
    ASSERT_OK(config);
    EXPECT_EQ(config->server.listen_host, "127.0.0.1");
    EXPECT_EQ(config->server.listen_port, 8080);
    EXPECT_EQ(config->storage.path, (source / "var" / "store").lexically_normal());
    EXPECT_EQ(config->storage.max_size_mb, 1024u);
    EXPECT_FALSE(config->azure_devops);
    EXPECT_FALSE(config->webhook);
    EXPECT_FALSE(config->api);
    ASSERT_EQ(config->deployments.size(), 3u);
    EXPECT_EQ(config->deployments[0].name, "web-api");
    EXPECT_EQ(config->deployments[0].trigger, Trigger::push);
    EXPECT_EQ(config->deployments[1].trigger, Trigger::build);
    EXPECT_EQ(config->deployments[1].pipeline, "web-api-ci");
    EXPECT_EQ(config->deployments[2].trigger, Trigger::manual);
    EXPECT_EQ(config->deployments[2].branch, "main");
    ASSERT_EQ(config->warnings.size(), 2u);
    EXPECT_NE(config->warnings[0].find("webhook"), std::string::npos) << config->warnings[0];
    EXPECT_NE(config->warnings[1].find("api"), std::string::npos) << config->warnings[1];
    EXPECT_TRUE(config->source_file.is_absolute());
}

// --- defaults and accepted forms ---------------------------------------------

TEST_F(LoadConfigTest, MinimalConfigGetsSpecDefaults) {
    auto config = load(k_minimal);
    ASSERT_OK(config);
    EXPECT_EQ(config->server.listen_host, "127.0.0.1");
    EXPECT_EQ(config->server.listen_port, 8080);
    EXPECT_EQ(config->server.max_body_bytes, 26214400u);
    EXPECT_EQ(config->storage.max_size_mb, 4096u);
    EXPECT_EQ(config->failures.incident_work_item_types, std::vector<std::string>{"Bug"});
    EXPECT_EQ(config->failures.incident_tags, std::vector<std::string>{"incident"});
    EXPECT_EQ(config->failures.incident_closed_states,
              (std::vector<std::string>{"Closed", "Done", "Resolved"}));
    EXPECT_EQ(config->source_file, m_path);
}

TEST_F(LoadConfigTest, RelativePathsResolveAgainstTheConfigFolder) {
    m_dir.write("secrets/api-token", "tok\n", k_private);
    m_path = m_dir.write("etc/shiplog.toml", R"([storage]
path = "../data/./store"
[api]
token_file = "../secrets/api-token"
)");
    auto config = load_config(m_path, m_env.env());
    ASSERT_OK(config);
    EXPECT_EQ(config->storage.path, (m_dir.path() / "data" / "store").lexically_normal());
    EXPECT_EQ(config->api->token.reveal(), "tok");
}

TEST_F(LoadConfigTest, AbsoluteStoragePathIsKept) {
    auto config = load("[storage]\npath = \"/var/lib/shiplog\"\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->storage.path, fs::path("/var/lib/shiplog"));
}

TEST_F(LoadConfigTest, Ipv6ListenWithBrackets) {
    auto config = load(std::string(k_minimal) + "[server]\nlisten = \"[::1]:0\"\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.listen_host, "::1");
    EXPECT_EQ(config->server.listen_port, 0);
}

TEST_F(LoadConfigTest, LocalhostListenIsLoopback) {
    auto config = load(std::string(k_minimal) + "[server]\nlisten = \"localhost:9000\"\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.listen_host, "localhost");
    EXPECT_EQ(config->server.listen_port, 9000);
}

TEST_F(LoadConfigTest, BranchLosesRefsHeadsAndTriggerDefaultsToPush) {
    auto config = load(std::string(k_minimal) + R"([[deployment]]
name = "web-api"
environment = "production"
project = "Fabrikam"
repository = "web-api"
branch = "refs/heads/release/1.0"
)");
    ASSERT_OK(config);
    ASSERT_EQ(config->deployments.size(), 1u);
    EXPECT_EQ(config->deployments[0].branch, "release/1.0");
    EXPECT_EQ(config->deployments[0].trigger, Trigger::push);
}

TEST_F(LoadConfigTest, SameNameInTwoEnvironmentsIsFine) {
    auto config = load(std::string(k_minimal) + R"([[deployment]]
name = "web"
environment = "staging"
project = "P"
repository = "r"
[[deployment]]
name = "web"
environment = "production"
project = "P"
repository = "r"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->deployments.size(), 2u);
}

TEST_F(LoadConfigTest, StageAndReleaseTriggersWithAzureDevOps) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "pat-value";
    auto config = load(std::string(k_minimal) + R"([azure_devops]
organization_url = "https://dev.azure.com/contoso/"
[[deployment]]
name = "web"
environment = "production"
project = "P"
repository = "r"
trigger = "stage"
pipeline = "web-cd"
stage = "Production"
[[deployment]]
name = "legacy"
environment = "prod"
project = "P"
repository = "legacy"
trigger = "release"
release_definition = "legacy"
release_environment = "Prod"
incident_area_path = "P\\Legacy"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->azure_devops->organization_url, "https://dev.azure.com/contoso");
    EXPECT_EQ(config->azure_devops->token.reveal(), "pat-value");
    EXPECT_EQ(config->deployments[0].stage, "Production");
    EXPECT_EQ(config->deployments[1].release_environment, "Prod");
    EXPECT_EQ(config->deployments[1].incident_area_path, "P\\Legacy");
}

TEST_F(LoadConfigTest, FailuresListsReplaceDefaults) {
    auto config = load(std::string(k_minimal) + R"([failures]
incident_work_item_types = ["Bug", "Incident"]
incident_tags = []
incident_closed_states = ["Closed"]
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->failures.incident_work_item_types,
              (std::vector<std::string>{"Bug", "Incident"}));
    EXPECT_TRUE(config->failures.incident_tags.empty());
    EXPECT_EQ(config->failures.incident_closed_states, std::vector<std::string>{"Closed"});
}

TEST_F(LoadConfigTest, TlsNeedsBothExistingFiles) {
    m_dir.write("tls/cert.pem", "cert");
    m_dir.write("tls/key.pem", "key");
    auto config = load(std::string(k_minimal) + R"([server]
tls_certificate = "tls/cert.pem"
tls_private_key = "tls/key.pem"
)");
    ASSERT_OK(config);
    EXPECT_EQ(*config->server.tls_certificate, m_dir.path() / "tls" / "cert.pem");
    EXPECT_EQ(*config->server.tls_private_key, m_dir.path() / "tls" / "key.pem");
}

// --- warnings ------------------------------------------------------------------

TEST_F(LoadConfigTest, LoopbackWithoutWebhookAndApiWarns) {
    auto config = load(k_minimal);
    ASSERT_OK(config);
    // Two loopback warnings plus "no [[deployment]]".
    ASSERT_EQ(config->warnings.size(), 3u);
    EXPECT_NE(config->warnings[0].find("webhook: not configured"), std::string::npos)
        << config->warnings[0];
    EXPECT_NE(config->warnings[0].find("loopback"), std::string::npos);
    EXPECT_NE(config->warnings[1].find("api: not configured"), std::string::npos)
        << config->warnings[1];
    EXPECT_NE(config->warnings[2].find("deployment"), std::string::npos) << config->warnings[2];
}

TEST_F(LoadConfigTest, EmptyDeploymentArrayWarns) {
    auto config = load("deployment = []\n" + std::string(k_minimal));
    ASSERT_OK(config);
    ASSERT_EQ(config->warnings.size(), 3u);
    EXPECT_EQ(
        config->warnings[2].rfind(m_path.string() + ":1: deployment: no [[deployment]] entries", 0),
        0u)
        << config->warnings[2];
}

TEST_F(LoadConfigTest, HttpPublicUrlIsAWarningNotAnError) {
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "pw";
    m_env.vars["SHIPLOG_API_TOKEN"] = "tok";
    auto config = load(R"([server]
listen = "0.0.0.0:8080"
public_url = "http://shiplog.internal:8080/"
[storage]
path = "store"
[webhook]
username = "shiplog"
[api]
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.public_url, "http://shiplog.internal:8080");
    ASSERT_EQ(config->warnings.size(), 1u);
    EXPECT_EQ(config->warnings[0].rfind(m_path.string() + ":3: server.public_url: ", 0), 0u)
        << config->warnings[0];
    EXPECT_NE(config->warnings[0].find("https"), std::string::npos);
}

TEST_F(LoadConfigTest, HttpsPublicUrlWithCredentialsHasNoWarnings) {
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "pw";
    m_env.vars["SHIPLOG_API_TOKEN"] = "tok";
    auto config = load(R"([server]
listen = "[::]:443"
public_url = "https://shiplog.example.com"
[storage]
path = "store"
[webhook]
username = "shiplog"
[api]
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
)");
    ASSERT_OK(config);
    EXPECT_TRUE(config->warnings.empty()) << config->warnings[0];
    EXPECT_EQ(config->server.listen_host, "::");
}

// --- broken configs: each names file, line and key ----------------------------

TEST_F(LoadConfigTest, TomlSyntaxErrorCarriesTheParserLine) {
    auto result = load("[storage]\npath = \"store\"\n\n[server\nlisten = \"x\"\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.rfind(m_path.string() + ":4: TOML syntax error: ", 0), 0u)
        << result.error().message;
}

TEST_F(LoadConfigTest, DuplicateTomlKeyIsASyntaxError) {
    auto result = load("[storage]\npath = \"a\"\npath = \"b\"\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.rfind(m_path.string() + ":3: ", 0), 0u)
        << result.error().message;
}

TEST_F(LoadConfigTest, UnknownTopLevelKey) {
    expect_error(std::string(k_minimal) + "\n[serverr]\nlisten = \"1\"\n", 4, "serverr",
                 "unknown key");
}

TEST_F(LoadConfigTest, UnknownKeyInServer) {
    expect_error(std::string(k_minimal) + "[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n", 5,
                 "server.lisen", "unknown key (expected one of listen,");
}

TEST_F(LoadConfigTest, UnknownKeyInDeploymentUsesZeroBasedIndex) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
[[deployment]]
name = "b"
environment = "e"
project = "p"
repository = "r"
pipline = "x"
)",
                 13, "deployment[1].pipline", "unknown key");
}

TEST_F(LoadConfigTest, UnknownKeyInStorageAndFailures) {
    expect_error("[storage]\npath = \"s\"\nsize = 1\n", 3, "storage.size", "unknown key");
    expect_error(std::string(k_minimal) + "[failures]\nincident_tag = []\n", 4,
                 "failures.incident_tag", "unknown key");
}

TEST_F(LoadConfigTest, WrongTypes) {
    expect_error(std::string(k_minimal) + "[server]\nmax_body_bytes = \"big\"\n", 4,
                 "server.max_body_bytes", "expected an integer, got a string");
    expect_error("[storage]\npath = 42\n", 2, "storage.path", "expected a string, got an integer");
    expect_error(std::string(k_minimal) + "[failures]\nincident_tags = \"incident\"\n", 4,
                 "failures.incident_tags", "expected an array of strings, got a string");
    expect_error(std::string(k_minimal) + "[failures]\nincident_tags = [\"a\", 2]\n", 4,
                 "failures.incident_tags[1]", "expected a string, got an integer");
    expect_error("server = 1\n" + std::string(k_minimal), 1, "server",
                 "expected a table ([server]), got an integer");
    expect_error(std::string(k_minimal) + "[deployment]\nname = \"a\"\n", 3, "deployment",
                 "expected an array of tables ([[deployment]]), got a table");
}

TEST_F(LoadConfigTest, DuplicateNameAndEnvironment) {
    expect_error(
        std::string(k_minimal) + R"([[deployment]]
name = "web"
environment = "production"
project = "p"
repository = "r"

[[deployment]]
name = "web"
environment = "production"
project = "p"
repository = "other"
)",
        10, "deployment[1].name",
        "duplicate (name, environment) (\"web\", \"production\"): already defined at line 3");
}

TEST_F(LoadConfigTest, NameMustBeASlug) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "Web_API"
environment = "production"
project = "p"
repository = "r"
)",
                 4, "deployment[0].name", "\"Web_API\" is not a slug");
}

TEST_F(LoadConfigTest, BadTriggerValue) {
    // The message shape of SPEC/load_config.hpp, with the file name as given.
    FakeEnv env;
    auto result = parse_config(std::string(k_minimal) + R"(
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"

[[deployment]]
name = "b"
environment = "e"
project = "p"
repository = "r"
trigger = "pushh"
)",
                               "shiplog.toml", env.env());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              "shiplog.toml:15: deployment[1].trigger: \"pushh\" is not one of push, build, stage, "
              "release, manual");
}

TEST_F(LoadConfigTest, BuildWithoutPipeline) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "build"
)",
                 8, "deployment[0].pipeline",
                 "required key is missing (trigger \"build\" needs it)");
}

TEST_F(LoadConfigTest, StageWithoutStage) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    expect_error(std::string(k_minimal) + R"([azure_devops]
organization_url = "https://dev.azure.com/x"
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "stage"
pipeline = "cd"
)",
                 10, "deployment[0].stage", "required key is missing");
}

TEST_F(LoadConfigTest, ReleaseWithoutReleaseEnvironment) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    expect_error(std::string(k_minimal) + R"([azure_devops]
organization_url = "https://dev.azure.com/x"
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "release"
release_definition = "rd"
)",
                 10, "deployment[0].release_environment", "required key is missing");
}

TEST_F(LoadConfigTest, KeyThatDoesNotFitTheTrigger) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "push"
stage = "Production"
)",
                 9, "deployment[0].stage",
                 "only applies to trigger \"stage\" (this deployment's trigger is \"push\")");
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "manual"
pipeline = "ci"
)",
                 9, "deployment[0].pipeline", "only applies to trigger \"build\" or \"stage\"");
}

TEST_F(LoadConfigTest, StageAndReleaseNeedAzureDevOps) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "stage"
pipeline = "cd"
stage = "Prod"
)",
                 8, "deployment[0].trigger", "needs an [azure_devops] section");
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "release"
release_definition = "rd"
release_environment = "Prod"
)",
                 8, "deployment[0].trigger", "needs an [azure_devops] section");
}

TEST_F(LoadConfigTest, MissingRequiredKeys) {
    auto result = load("[server]\nlisten = \"127.0.0.1:1\"\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.rfind(
                  m_path.string() + ": storage.path: required key is missing", 0),
              0u)
        << result.error().message;
    expect_error("\n[storage]\nmax_size_mb = 10\n", 2, "storage.path", "required key is missing");
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
repository = "r"
)",
                 3, "deployment[0].project", "required key is missing");
    expect_error(std::string(k_minimal) +
                     "[[deployment]]\nname = \"a\"\nenvironment = \"e\"\nproject = \"p\"\n",
                 3, "deployment[0].repository", "required key is missing");
    expect_error(std::string(k_minimal) + "[[deployment]]\nname = \"\"\n", 4, "deployment[0].name",
                 "must not be empty");
}

TEST_F(LoadConfigTest, BadListenAddresses) {
    auto listen = [&](const std::string& value, const std::string& problem) {
        SCOPED_TRACE(value);
        expect_error(std::string(k_minimal) + "[server]\nlisten = \"" + value + "\"\n", 4,
                     "server.listen", problem);
    };
    listen("127.0.0.1", "expected host:port");
    listen("127.0.0.1:", "is not a port number");
    listen("127.0.0.1:65536", "65536 is not a port number");
    listen("127.0.0.1:http", "\"http\" is not a port number");
    listen("::1:8080", "an IPv6 address needs brackets");
    listen("[::1]", "expected [ipv6]:port");
    listen("[127.0.0.1]:80", "is not an IPv6 address");
    listen(":8080", "the host is empty");
    listen("bad host:80", "is not a host name or address");
}

TEST_F(LoadConfigTest, NumbersOutOfRange) {
    expect_error(std::string(k_minimal) + "[server]\nmax_body_bytes = 0\n", 4,
                 "server.max_body_bytes", "0 is out of range (1024 to 1073741824)");
    expect_error(std::string(k_minimal) + "[server]\nmax_body_bytes = 2147483648\n", 4,
                 "server.max_body_bytes", "out of range");
    expect_error("[storage]\npath = \"s\"\nmax_size_mb = 0\n", 3, "storage.max_size_mb",
                 "out of range");
    expect_error("[storage]\npath = \"s\"\nmax_size_mb = -5\n", 3, "storage.max_size_mb",
                 "-5 is out of range");
    expect_error("[storage]\npath = \"s\"\nmax_size_mb = 1.5\n", 3, "storage.max_size_mb",
                 "expected an integer, got a float");
}

TEST_F(LoadConfigTest, NonLoopbackListenNeedsWebhookAndApi) {
    expect_error(std::string(k_minimal) + "[server]\nlisten = \"0.0.0.0:8080\"\n", 4,
                 "server.listen",
                 "\"0.0.0.0\" is not a loopback address, so a [webhook] section with credentials "
                 "is required");
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "pw";
    expect_error(
        std::string(k_minimal) + "[server]\nlisten = \"[::]:8080\"\n[webhook]\nusername = \"u\"\n",
        4, "server.listen", "so a [api] section with credentials is required");
}

TEST_F(LoadConfigTest, OrganizationUrlMustBeHttp) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    expect_error(
        std::string(k_minimal) + "[azure_devops]\norganization_url = \"dev.azure.com/contoso\"\n",
        4, "azure_devops.organization_url", "is not an http:// or https:// URL");
    expect_error(std::string(k_minimal) + "[azure_devops]\norganization_url = \"ftp://x\"\n", 4,
                 "azure_devops.organization_url", "is not an http:// or https:// URL");
    expect_error(std::string(k_minimal) + "[azure_devops]\norganization_url = \"https://\"\n", 4,
                 "azure_devops.organization_url", "has no host");
    // On-prem over plain http is allowed.
    auto config = load(
        std::string(k_minimal) +
        "[azure_devops]\norganization_url = \"http://tfs.local:8080/tfs/DefaultCollection\"\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->azure_devops->organization_url,
              "http://tfs.local:8080/tfs/DefaultCollection");
}

TEST_F(LoadConfigTest, PublicUrlWithOtherSchemeIsAnError) {
    expect_error(std::string(k_minimal) + "[server]\npublic_url = \"shiplog.example.com\"\n", 4,
                 "server.public_url", "is not an http:// or https:// URL");
}

TEST_F(LoadConfigTest, TlsHalfConfiguredOrMissing) {
    m_dir.write("cert.pem", "c");
    expect_error(std::string(k_minimal) + "[server]\ntls_certificate = \"cert.pem\"\n", 4,
                 "server.tls_certificate", "set together with tls_private_key");
    expect_error(std::string(k_minimal) + "[server]\ntls_certificate = \"nope.pem\"\n", 4,
                 "server.tls_certificate", "does not exist");
}

TEST_F(LoadConfigTest, BadBranchAndEnvironment) {
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
branch = "refs/tags/v1"
)",
                 8, "deployment[0].branch", "is not a branch name");
    expect_error(std::string(k_minimal) + R"([[deployment]]
name = "a"
environment = "prod:eu"
)",
                 5, "deployment[0].environment", "must not contain ':'");
}

TEST_F(LoadConfigTest, ControlCharactersAreEscapedInMessages) {
    auto result = load(std::string(k_minimal) + "[[deployment]]\nname = \"a\\nb\"\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.find('\n'), std::string::npos);
    EXPECT_NE(result.error().message.find("\"a\\x0ab\" contains a control character"),
              std::string::npos)
        << result.error().message;
}

TEST_F(LoadConfigTest, MissingConfigFile) {
    auto result = load_config(m_dir / "absent.toml", m_env.env());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.rfind(
                  (m_dir / "absent.toml").string() + ": cannot read config file", 0),
              0u)
        << result.error().message;
}

// --- secrets -----------------------------------------------------------------

constexpr const char* k_webhook_file = R"([storage]
path = "store"
[webhook]
username = "shiplog"
password_file = "webhook-password"
)";

TEST_F(LoadConfigTest, WebhookPasswordFromFileWithRotationLine) {
    m_dir.write("webhook-password", "new-secret\r\nold-secret\n", k_private);
    auto config = load(k_webhook_file);
    ASSERT_OK(config);
    ASSERT_EQ(config->webhook->passwords.size(), 2u);
    EXPECT_EQ(config->webhook->passwords[0].reveal(), "new-secret");
    EXPECT_EQ(config->webhook->passwords[1].reveal(), "old-secret");
    EXPECT_EQ(config->webhook->username, "shiplog");
}

TEST_F(LoadConfigTest, WebhookPasswordFileWithoutTrailingNewline) {
    m_dir.write("webhook-password", "only-one", k_private);
    auto config = load(k_webhook_file);
    ASSERT_OK(config);
    ASSERT_EQ(config->webhook->passwords.size(), 1u);
    EXPECT_EQ(config->webhook->passwords[0].reveal(), "only-one");
}

TEST_F(LoadConfigTest, SecretFileBeatsEnvironmentVariable) {
    m_dir.write("webhook-password", "from-file\n", k_private);
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "from-env";
    auto config = load(k_webhook_file);
    ASSERT_OK(config);
    EXPECT_EQ(config->webhook->passwords[0].reveal(), "from-file");
}

TEST_F(LoadConfigTest, SecretsFromEnvironmentVariables) {
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "env-pw\nenv-old";
    m_env.vars["SHIPLOG_API_TOKEN"] = "env-api";
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "env-pat";
    m_env.vars["CREDENTIALS_DIRECTORY"] = (m_dir / "creds").string();
    m_dir.write("creds/api-token", "cred-api");  // env var wins over credential
    auto config = load(std::string(k_minimal) + R"([webhook]
username = "u"
[api]
[azure_devops]
organization_url = "https://dev.azure.com/x"
)");
    ASSERT_OK(config);
    ASSERT_EQ(config->webhook->passwords.size(), 2u);
    EXPECT_EQ(config->webhook->passwords[0].reveal(), "env-pw");
    EXPECT_EQ(config->webhook->passwords[1].reveal(), "env-old");
    EXPECT_EQ(config->api->token.reveal(), "env-api");
    EXPECT_EQ(config->azure_devops->token.reveal(), "env-pat");
}

TEST_F(LoadConfigTest, SecretsFromSystemdCredentials) {
    m_env.vars["CREDENTIALS_DIRECTORY"] = (m_dir / "creds").string();
    // systemd manages these files' modes; 0440 is what it uses for group-shared ones.
    auto group_read = k_private | fs::perms::group_read;
    m_dir.write("creds/webhook-password", "cred-pw\n", group_read);
    m_dir.write("creds/api-token", "cred-api\n", group_read);
    m_dir.write("creds/azure-token", "cred-pat\n", group_read);
    auto config = load(std::string(k_minimal) + R"([webhook]
username = "u"
[api]
[azure_devops]
organization_url = "https://dev.azure.com/x"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->webhook->passwords[0].reveal(), "cred-pw");
    EXPECT_EQ(config->api->token.reveal(), "cred-api");
    EXPECT_EQ(config->azure_devops->token.reveal(), "cred-pat");
}

TEST_F(LoadConfigTest, TokenFilesForApiAndAzure) {
    m_dir.write("api-token", "api-secret\n", k_private);
    m_dir.write("azure-token", "pat-secret\n", k_private);
    auto config = load(std::string(k_minimal) + R"([api]
token_file = "api-token"
[azure_devops]
organization_url = "https://dev.azure.com/x"
token_file = "azure-token"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->api->token.reveal(), "api-secret");
    EXPECT_EQ(config->azure_devops->token.reveal(), "pat-secret");
}

TEST_F(LoadConfigTest, GroupReadableSecretFileIsRefused) {
    m_dir.write("webhook-password", "hunter2-secret\n", k_private | fs::perms::group_read);
    expect_error(k_webhook_file, 5, "webhook.password_file",
                 "is accessible by group or others (mode 0640)");
    EXPECT_EQ(load(k_webhook_file).error().message.find("hunter2-secret"), std::string::npos);
    m_dir.write("webhook-password", "hunter2-secret\n", k_private | fs::perms::others_read);
    expect_error(k_webhook_file, 5, "webhook.password_file", "(mode 0604)");
}

TEST_F(LoadConfigTest, MissingSecretFile) {
    expect_error(k_webhook_file, 5, "webhook.password_file", "webhook-password\": no such file");
}

TEST_F(LoadConfigTest, SectionWithoutAnySecretSource) {
    expect_error(
        std::string(k_minimal) + "[api]\n", 3, "api",
        "no token: set token_file, or the environment variable SHIPLOG_API_TOKEN, or the systemd "
        "credential \"api-token\"");
    expect_error(std::string(k_minimal) + "[webhook]\nusername = \"u\"\n", 3, "webhook",
                 "no password");
}

TEST_F(LoadConfigTest, EmptySecretsAreErrors) {
    m_dir.write("webhook-password", "\n", k_private);
    expect_error(k_webhook_file, 5, "webhook.password_file", "is empty");
    m_env.vars["SHIPLOG_API_TOKEN"] = "";
    expect_error(std::string(k_minimal) + "\n[api]\n", 4, "api",
                 "the token from environment variable SHIPLOG_API_TOKEN is empty");
}

TEST_F(LoadConfigTest, SecretValuesNeverAppearInMessages) {
    const std::vector<std::string> secrets{"s3cr3t-current", "s3cr3t-previous", "s3cr3t-third",
                                           "s3cr3t-api"};
    std::vector<std::string> messages;
    auto collect = [&](const std::string& text) {
        auto result = load(text);
        ASSERT_FALSE(result) << text;
        messages.push_back(result.error().message);
    };
    // Too many lines for a webhook password file.
    m_dir.write("webhook-password", secrets[0] + "\n" + secrets[1] + "\n" + secrets[2] + "\n",
                k_private);
    collect(k_webhook_file);
    // A token file with two lines.
    m_dir.write("api-token", secrets[3] + "\n" + secrets[0] + "\n", k_private);
    collect(std::string(k_minimal) + "[api]\ntoken_file = \"api-token\"\n");
    // Group-readable.
    m_dir.write("api-token", secrets[3] + "\n", k_private | fs::perms::group_read);
    collect(std::string(k_minimal) + "[api]\ntoken_file = \"api-token\"\n");
    // Secrets loaded fine, then an unrelated error later in the file.
    m_dir.write("webhook-password", secrets[0] + "\n" + secrets[1] + "\n", k_private);
    m_env.vars["SHIPLOG_API_TOKEN"] = secrets[3];
    collect(std::string(k_webhook_file) +
            "[api]\n[[deployment]]\nname = \"a\"\ntrigger = \"pushh\"\n");
    // Multi-line env var.
    m_env.vars["SHIPLOG_API_TOKEN"] = secrets[3] + "\n" + secrets[2];
    collect(std::string(k_minimal) + "[api]\n");
    ASSERT_EQ(messages.size(), 5u);
    for (const auto& message : messages) {
        for (const auto& secret : secrets)
            EXPECT_EQ(message.find(secret), std::string::npos) << "secret leaked: " << message;
    }
}

TEST_F(LoadConfigTest, WebhookUsernameWithColonIsRefused) {
    m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "pw";
    expect_error(std::string(k_minimal) + "[webhook]\nusername = \"a:b\"\n", 4, "webhook.username",
                 "contains ':'");
}

// --- small API pieces ---------------------------------------------------------

// --- edge limits: trusted_proxies, connection caps, request deadline, allow_from ---

TEST_F(LoadConfigTest, EdgeLimitsHaveDefaults) {
    auto config = load(k_minimal);
    ASSERT_OK(config);
    EXPECT_TRUE(config->server.trusted_proxies.empty());
    EXPECT_EQ(config->server.max_connections, 4096u);
    EXPECT_EQ(config->server.max_connections_per_ip, 64u);
    EXPECT_EQ(config->server.request_timeout, std::chrono::seconds(10));
}

TEST_F(LoadConfigTest, EdgeLimitsAreRead) {
    auto config = load(std::string(k_minimal) + R"([server]
trusted_proxies = ["127.0.0.1/32", "::1", "10.20.0.0/16"]
max_connections = 100
max_connections_per_ip = 100
request_timeout_s = 300
)");
    ASSERT_OK(config);
    const auto& proxies = config->server.trusted_proxies;
    ASSERT_EQ(proxies.size(), 3u);
    EXPECT_EQ(proxies[0].text(), "127.0.0.1/32");
    EXPECT_TRUE(proxies[0].contains("127.0.0.1"));
    EXPECT_FALSE(proxies[0].contains("127.0.0.2"));
    EXPECT_TRUE(proxies[1].contains("::1"));
    EXPECT_TRUE(proxies[2].contains("10.20.255.1"));
    EXPECT_FALSE(proxies[2].contains("10.21.0.1"));
    EXPECT_EQ(config->server.max_connections, 100u);
    EXPECT_EQ(config->server.max_connections_per_ip, 100u);
    EXPECT_EQ(config->server.request_timeout, std::chrono::seconds(300));
}

TEST_F(LoadConfigTest, EmptyTrustedProxiesMeansNone) {
    auto config = load(std::string(k_minimal) + "[server]\ntrusted_proxies = []\n");
    ASSERT_OK(config);
    EXPECT_TRUE(config->server.trusted_proxies.empty());
}

TEST_F(LoadConfigTest, LowestEdgeLimitsAreAccepted) {
    auto config = load(std::string(k_minimal) +
                       "[server]\nmax_connections = 1\nmax_connections_per_ip = 1\n"
                       "request_timeout_s = 1\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.max_connections, 1u);
    EXPECT_EQ(config->server.max_connections_per_ip, 1u);
    EXPECT_EQ(config->server.request_timeout, std::chrono::seconds(1));
}

TEST_F(LoadConfigTest, DefaultPerIpCapFollowsALowerMaxConnections) {
    auto config = load(std::string(k_minimal) + "[server]\nmax_connections = 10\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.max_connections, 10u);
    EXPECT_EQ(config->server.max_connections_per_ip, 10u);
}

TEST_F(LoadConfigTest, WebhookAllowFromIsRead) {
    m_dir.write("webhook-password", "pw\n", k_private);
    auto config = load(std::string(k_webhook_file) +
                       "allow_from = [\"20.37.158.0/23\", \"2603:1030::/32\"]\n");
    ASSERT_OK(config);
    const auto& allow = config->webhook->allow_from;
    ASSERT_EQ(allow.size(), 2u);
    EXPECT_TRUE(allow[0].contains("20.37.159.200"));
    EXPECT_FALSE(allow[0].contains("20.37.160.1"));
    EXPECT_TRUE(allow[1].contains("2603:1030:1:2::9"));
}

TEST_F(LoadConfigTest, WebhookWithoutAllowFromAcceptsEveryNetwork) {
    m_dir.write("webhook-password", "pw\n", k_private);
    auto config = load(k_webhook_file);
    ASSERT_OK(config);
    EXPECT_TRUE(config->webhook->allow_from.empty());
}

// Each broken edge setting: the message names file, line and key.
TEST_F(LoadConfigTest, BadEdgeLimits) {
    struct Case {
        const char* server;  // the [server] body, starting at line 4
        int line;
        const char* key;
        const char* problem;
    };
    const Case cases[] = {
        {"max_connections = 0\n", 4, "server.max_connections", "0 is out of range (1 to 1000000)"},
        {"max_connections = -1\n", 4, "server.max_connections", "-1 is out of range"},
        {"max_connections = 1000001\n", 4, "server.max_connections", "out of range"},
        {"max_connections = \"many\"\n", 4, "server.max_connections",
         "expected an integer, got a string"},
        {"max_connections_per_ip = 0\n", 4, "server.max_connections_per_ip",
         "0 is out of range (1 to 1000000)"},
        {"max_connections = 10\nmax_connections_per_ip = 11\n", 5, "server.max_connections_per_ip",
         "11 exceeds max_connections (10)"},
        {"max_connections_per_ip = 4097\n", 4, "server.max_connections_per_ip",
         "4097 exceeds max_connections (4096)"},
        {"request_timeout_s = 0\n", 4, "server.request_timeout_s", "0 is out of range (1 to 300)"},
        {"request_timeout_s = 301\n", 4, "server.request_timeout_s", "301 is out of range"},
        {"request_timeout_s = 2.5\n", 4, "server.request_timeout_s",
         "expected an integer, got a float"},
        {"trusted_proxies = \"127.0.0.1\"\n", 4, "server.trusted_proxies",
         "expected an array of strings, got a string"},
        {"trusted_proxies = [1]\n", 4, "server.trusted_proxies[0]",
         "expected a string, got an integer"},
        {"trusted_proxies = [\"127.0.0.1/32\",\n  \"nginx\"]\n", 5, "server.trusted_proxies[1]",
         "\"nginx\" is not an IP address or network"},
        {"trusted_proxies = [\"10.0.0.0/33\"]\n", 4, "server.trusted_proxies[0]",
         "prefix length must be 0-32"},
        {"trusted_proxies = [\"::/129\"]\n", 4, "server.trusted_proxies[0]",
         "prefix length must be 0-128"},
        {"trusted_proxies = [\"10.0.0.0/\"]\n", 4, "server.trusted_proxies[0]",
         "prefix length must be 0-32"},
        {"trusted_proxies = [\"\"]\n", 4, "server.trusted_proxies[0]", "must not be empty"},
        {"trusted_proxies = [\"10.0.0.1\\n\"]\n", 4, "server.trusted_proxies[0]",
         "contains a control character"},
        {"max_conections = 5\n", 4, "server.max_conections", "unknown key"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.server);
        expect_error(std::string(k_minimal) + "[server]\n" + c.server, c.line, c.key, c.problem);
    }
}

TEST_F(LoadConfigTest, BadWebhookAllowFrom) {
    m_dir.write("webhook-password", "pw\n", k_private);
    struct Case {
        const char* allow_from;  // the value, on line 6
        const char* key;
        const char* problem;
    };
    const Case cases[] = {
        {"\"10.0.0.0/8\"", "webhook.allow_from", "expected an array of strings, got a string"},
        {"[\"10.0.0.0/8\", \"10.0.0.0/8/8\"]", "webhook.allow_from[1]",
         "\"10.0.0.0/8/8\": prefix length must be 0-32"},
        {"[\"300.1.2.3/8\"]", "webhook.allow_from[0]", "is not an IP address or network"},
        {"[\"10.0.0.0/-1\"]", "webhook.allow_from[0]", "prefix length must be 0-32"},
        {"[]", "webhook.allow_from", "is empty"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.allow_from);
        expect_error(std::string(k_webhook_file) + "allow_from = " + c.allow_from + "\n", 6, c.key,
                     c.problem);
    }
}

TEST(DefaultConfigPath, FromEnvironmentOrEtc) {
    FakeEnv env;
    EXPECT_EQ(default_config_path(env.env()), fs::path("/etc/shiplog/shiplog.toml"));
    env.vars["SHIPLOG_CONFIG"] = "/srv/shiplog.toml";
    EXPECT_EQ(default_config_path(env.env()), fs::path("/srv/shiplog.toml"));
    env.vars["SHIPLOG_CONFIG"] = "";
    EXPECT_EQ(default_config_path(env.env()), fs::path("/etc/shiplog/shiplog.toml"));
}

TEST(TriggerNames, RoundTripThroughTheConfig) {
    EXPECT_STREQ(to_string(Trigger::push), "push");
    EXPECT_STREQ(to_string(Trigger::build), "build");
    EXPECT_STREQ(to_string(Trigger::stage), "stage");
    EXPECT_STREQ(to_string(Trigger::release), "release");
    EXPECT_STREQ(to_string(Trigger::manual), "manual");
}

TEST(ProcessEnvironment, ReadsRealVariables) {
    ::setenv("SHIPLOG_TEST_PROCESS_ENV", "value", 1);
    auto env = Environment::process();
    EXPECT_EQ(env.getenv("SHIPLOG_TEST_PROCESS_ENV"), std::optional<std::string>("value"));
    EXPECT_EQ(env.getenv("SHIPLOG_TEST_SURELY_UNSET_VARIABLE"), std::nullopt);
    ::unsetenv("SHIPLOG_TEST_PROCESS_ENV");
}

// --- what Azure DevOps itself accepts ----------------------------------------

TEST_F(LoadConfigTest, ReleaseDeploymentMayNameThePipelineOfItsArtifact) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    auto config = load(std::string(k_minimal) + R"([azure_devops]
organization_url = "https://dev.azure.com/x"
[[deployment]]
name = "a"
environment = "e"
project = "p"
repository = "r"
trigger = "release"
release_definition = "rd"
release_environment = "Prod"
pipeline = "web-api-ci"
)");
    ASSERT_OK(config);
    EXPECT_EQ(config->deployments[0].pipeline, "web-api-ci");
}

TEST_F(LoadConfigTest, WebhookUsernameWithASpaceIsRefusedNamingTheRule) {
    m_dir.write("webhook-password", "secret\n", k_private);
    expect_error(R"([storage]
path = "store"
[webhook]
username = "ship log"
password_file = "webhook-password"
)",
                 4, "webhook.username", "^\\S+$");
}

TEST_F(LoadConfigTest, WebhookPasswordWithASpaceIsRefusedWithoutShowingIt) {
    m_dir.write("webhook-password", "two words\n", k_private);
    auto result = load(k_webhook_file);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("webhook.password_file"), std::string::npos);
    EXPECT_NE(result.error().message.find("^\\S+$"), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.find("two words"), std::string::npos) << "never shown";
    m_dir.write("webhook-password", std::string(257, 'x') + "\n", k_private);
    EXPECT_FALSE(load(k_webhook_file)) << "257 characters are more than Azure DevOps takes";
}

TEST_F(LoadConfigTest, ApiVersionIsOptionalAndChecked) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    const std::string base = std::string(k_minimal) + R"([azure_devops]
organization_url = "https://tfs.example.com/tfs/DefaultCollection"
)";
    auto none = load(base);
    ASSERT_OK(none);
    EXPECT_FALSE(none->azure_devops->api_version);
    auto six = load(base + "api_version = \"6.0\"\n");
    ASSERT_OK(six);
    EXPECT_EQ(six->azure_devops->api_version, "6.0");
    expect_error(base + "api_version = \"4.1\"\n", 5, "azure_devops.api_version", "5.0 or later");
    expect_error(base + "api_version = \"latest\"\n", 5, "azure_devops.api_version",
                 "not a REST API version");
}

}  // namespace
}  // namespace shiplog::config
