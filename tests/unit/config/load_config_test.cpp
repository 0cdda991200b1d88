#include "config/load_config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
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

// k_minimal followed by `rest`.
std::string minimal(const std::string& rest) {
    return std::string(k_minimal) + rest;
}

// A [[deployment]] with its required keys (five lines); more keys may follow.
std::string deployment(const std::string& name = "a") {
    return "[[deployment]]\nname = \"" + name +
           "\"\nenvironment = \"e\"\nproject = \"p\"\nrepository = \"r\"\n";
}

constexpr const char* k_azure = R"([azure_devops]
organization_url = "https://dev.azure.com/x"
)";

constexpr const char* k_tfs = R"([azure_devops]
organization_url = "https://tfs.example.com/tfs/DefaultCollection"
)";

constexpr const char* k_webhook_file = R"([storage]
path = "store"
[webhook]
username = "shiplog"
password_file = "webhook-password"
)";

class LoadConfigTest : public ::testing::Test {
  protected:
    // Writes `text` as shiplog.toml in the temp dir and loads it.
    Result<Config> load(const std::string& text) {
        m_path = m_dir.write("shiplog.toml", text);
        return load_config(m_path, m_env.env());
    }

    // Listening on `listen` with webhook and API credentials (from the
    // environment) and one deployment; public_url is on line 3.
    Result<Config> load_exposed(const std::string& listen, const std::string& public_url) {
        m_env.vars["SHIPLOG_WEBHOOK_PASSWORD"] = "pw";
        m_env.vars["SHIPLOG_API_TOKEN"] = "tok";
        return load("[server]\nlisten = \"" + listen + "\"\npublic_url = \"" + public_url +
                    "\"\n[storage]\npath = \"store\"\n[webhook]\nusername = \"shiplog\"\n[api]\n" +
                    deployment());
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

TEST_F(LoadConfigTest, ListenHostAndPort) {
    const struct {
        const char* listen;
        const char* host;
        int port;
    } cases[] = {{"[::1]:0", "::1", 0}, {"localhost:9000", "localhost", 9000}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.listen);
        auto config = load(minimal("[server]\nlisten = \"" + std::string(c.listen) + "\"\n"));
        ASSERT_OK(config);
        EXPECT_EQ(config->server.listen_host, c.host);
        EXPECT_EQ(config->server.listen_port, c.port);
    }
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
    auto config = load_exposed("0.0.0.0:8080", "http://shiplog.internal:8080/");
    ASSERT_OK(config);
    EXPECT_EQ(config->server.public_url, "http://shiplog.internal:8080");
    ASSERT_EQ(config->warnings.size(), 1u);
    EXPECT_EQ(config->warnings[0].rfind(m_path.string() + ":3: server.public_url: ", 0), 0u)
        << config->warnings[0];
    EXPECT_NE(config->warnings[0].find("https"), std::string::npos);
}

TEST_F(LoadConfigTest, HttpsPublicUrlWithCredentialsHasNoWarnings) {
    auto config = load_exposed("[::]:443", "https://shiplog.example.com");
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

TEST_F(LoadConfigTest, MissingStorageSectionHasNoLine) {
    auto result = load("[server]\nlisten = \"127.0.0.1:1\"\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message.rfind(
                  m_path.string() + ": storage.path: required key is missing", 0),
              0u)
        << result.error().message;
}

TEST_F(LoadConfigTest, OnPremOrganizationUrlOverHttp) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    auto config = load(
        std::string(k_minimal) +
        "[azure_devops]\norganization_url = \"http://tfs.local:8080/tfs/DefaultCollection\"\n");
    ASSERT_OK(config);
    EXPECT_EQ(config->azure_devops->organization_url,
              "http://tfs.local:8080/tfs/DefaultCollection");
}

TEST_F(LoadConfigTest, TlsHalfConfiguredOrMissing) {
    m_dir.write("cert.pem", "c");
    expect_error(std::string(k_minimal) + "[server]\ntls_certificate = \"cert.pem\"\n", 4,
                 "server.tls_certificate", "set together with tls_private_key");
    expect_error(std::string(k_minimal) + "[server]\ntls_certificate = \"nope.pem\"\n", 4,
                 "server.tls_certificate", "does not exist");
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

TEST_F(LoadConfigTest, ConnectionCapsAndDeadlineAreRead) {
    const struct {
        const char* server;  // the [server] body
        unsigned connections;
        unsigned per_ip;
        int timeout_s;
    } cases[] = {
        // The lowest values are accepted.
        {"max_connections = 1\nmax_connections_per_ip = 1\nrequest_timeout_s = 1\n", 1, 1, 1},
        // The default per-IP cap follows a lower max_connections.
        {"max_connections = 10\n", 10, 10, 10},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.server);
        auto config = load(minimal("[server]\n" + std::string(c.server)));
        ASSERT_OK(config);
        EXPECT_EQ(config->server.max_connections, c.connections);
        EXPECT_EQ(config->server.max_connections_per_ip, c.per_ip);
        EXPECT_EQ(config->server.request_timeout, std::chrono::seconds(c.timeout_s));
    }
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

// --- small API pieces ---------------------------------------------------------

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

TEST_F(LoadConfigTest, ApiVersionIsOptional) {
    m_env.vars["SHIPLOG_AZURE_TOKEN"] = "t";
    auto none = load(minimal(k_tfs));
    ASSERT_OK(none);
    EXPECT_FALSE(none->azure_devops->api_version);
    auto six = load(minimal(std::string(k_tfs) + "api_version = \"6.0\"\n"));
    ASSERT_OK(six);
    EXPECT_EQ(six->azure_devops->api_version, "6.0");
}

// --- the table of broken configs ---------------------------------------------

// A config that must not load; expect_error checks the message.
struct BrokenCase {
    const char* name;  // the test's name
    std::string toml;
    int line;
    const char* key;
    const char* problem;
    const char* env = nullptr;   // "NAME=value" set for this case
    bool password_file = false;  // writes a good webhook-password file
};

void PrintTo(const BrokenCase& c, std::ostream* os) {
    *os << c.name;
}

std::string listen(const std::string& value) {
    return minimal("[server]\nlisten = \"" + value + "\"\n");
}

constexpr const char* k_azure_token = "SHIPLOG_AZURE_TOKEN=t";

std::vector<BrokenCase> broken_cases() {
    const std::string azure = minimal(std::string(k_azure) + deployment());
    const std::string tfs = minimal(k_tfs);
    const std::string webhook = k_webhook_file;
    return {
        // Unknown keys and wrong types.
        {"UnknownTopLevelKey", minimal("\n[serverr]\nlisten = \"1\"\n"), 4, "serverr",
         "unknown key"},
        {"UnknownKeyInServer", minimal("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n"), 5,
         "server.lisen", "unknown key (expected one of listen,"},
        {"UnknownKeyInDeploymentUsesZeroBasedIndex",
         minimal(deployment("a") + deployment("b") + "pipline = \"x\"\n"), 13,
         "deployment[1].pipline", "unknown key"},
        {"UnknownKeyInStorage", "[storage]\npath = \"s\"\nsize = 1\n", 3, "storage.size",
         "unknown key"},
        {"UnknownKeyInFailures", minimal("[failures]\nincident_tag = []\n"), 4,
         "failures.incident_tag", "unknown key"},
        {"StringForInteger", minimal("[server]\nmax_body_bytes = \"big\"\n"), 4,
         "server.max_body_bytes", "expected an integer, got a string"},
        {"IntegerForString", "[storage]\npath = 42\n", 2, "storage.path",
         "expected a string, got an integer"},
        {"StringForArray", minimal("[failures]\nincident_tags = \"incident\"\n"), 4,
         "failures.incident_tags", "expected an array of strings, got a string"},
        {"IntegerInStringArray", minimal("[failures]\nincident_tags = [\"a\", 2]\n"), 4,
         "failures.incident_tags[1]", "expected a string, got an integer"},
        {"IntegerForTable", "server = 1\n" + std::string(k_minimal), 1, "server",
         "expected a table ([server]), got an integer"},
        {"TableForArrayOfTables", minimal("[deployment]\nname = \"a\"\n"), 3, "deployment",
         "expected an array of tables ([[deployment]]), got a table"},
        // Deployments.
        {"DuplicateNameAndEnvironment", minimal(R"([[deployment]]
name = "web"
environment = "production"
project = "p"
repository = "r"

[[deployment]]
name = "web"
environment = "production"
project = "p"
repository = "other"
)"),
         10, "deployment[1].name",
         "duplicate (name, environment) (\"web\", \"production\"): already defined at line 3"},
        {"NameMustBeASlug",
         minimal("[[deployment]]\nname = \"Web_API\"\nenvironment = \"production\"\nproject = "
                 "\"p\"\nrepository = \"r\"\n"),
         4, "deployment[0].name", "\"Web_API\" is not a slug"},
        {"BuildWithoutPipeline", minimal(deployment() + "trigger = \"build\"\n"), 8,
         "deployment[0].pipeline", "required key is missing (trigger \"build\" needs it)"},
        {"StageWithoutStage", azure + "trigger = \"stage\"\npipeline = \"cd\"\n", 10,
         "deployment[0].stage", "required key is missing", k_azure_token},
        {"ReleaseWithoutReleaseEnvironment",
         azure + "trigger = \"release\"\nrelease_definition = \"rd\"\n", 10,
         "deployment[0].release_environment", "required key is missing", k_azure_token},
        {"StageKeyWithPushTrigger",
         minimal(deployment() + "trigger = \"push\"\nstage = \"Production\"\n"), 9,
         "deployment[0].stage",
         "only applies to trigger \"stage\" (this deployment's trigger is \"push\")"},
        {"PipelineKeyWithManualTrigger",
         minimal(deployment() + "trigger = \"manual\"\npipeline = \"ci\"\n"), 9,
         "deployment[0].pipeline", "only applies to trigger \"build\" or \"stage\""},
        {"StageNeedsAzureDevOps",
         minimal(deployment() + "trigger = \"stage\"\npipeline = \"cd\"\nstage = \"Prod\"\n"), 8,
         "deployment[0].trigger", "needs an [azure_devops] section"},
        {"ReleaseNeedsAzureDevOps",
         minimal(deployment() +
                 "trigger = \"release\"\nrelease_definition = \"rd\"\nrelease_environment = "
                 "\"Prod\"\n"),
         8, "deployment[0].trigger", "needs an [azure_devops] section"},
        {"StoragePathMissing", "\n[storage]\nmax_size_mb = 10\n", 2, "storage.path",
         "required key is missing"},
        {"DeploymentProjectMissing",
         minimal("[[deployment]]\nname = \"a\"\nenvironment = \"e\"\nrepository = \"r\"\n"), 3,
         "deployment[0].project", "required key is missing"},
        {"DeploymentRepositoryMissing",
         minimal("[[deployment]]\nname = \"a\"\nenvironment = \"e\"\nproject = \"p\"\n"), 3,
         "deployment[0].repository", "required key is missing"},
        {"DeploymentNameEmpty", minimal("[[deployment]]\nname = \"\"\n"), 4, "deployment[0].name",
         "must not be empty"},
        {"BranchThatIsATag", minimal(deployment() + "branch = \"refs/tags/v1\"\n"), 8,
         "deployment[0].branch", "is not a branch name"},
        {"EnvironmentWithColon",
         minimal("[[deployment]]\nname = \"a\"\nenvironment = \"prod:eu\"\n"), 5,
         "deployment[0].environment", "must not contain ':'"},
        // [server] listen, sizes, exposure, public_url.
        {"ListenWithoutPort", listen("127.0.0.1"), 4, "server.listen", "expected host:port"},
        {"ListenWithEmptyPort", listen("127.0.0.1:"), 4, "server.listen", "is not a port number"},
        {"ListenPortTooLarge", listen("127.0.0.1:65536"), 4, "server.listen",
         "65536 is not a port number"},
        {"ListenPortByName", listen("127.0.0.1:http"), 4, "server.listen",
         "\"http\" is not a port number"},
        {"ListenIpv6WithoutBrackets", listen("::1:8080"), 4, "server.listen",
         "an IPv6 address needs brackets"},
        {"ListenIpv6WithoutPort", listen("[::1]"), 4, "server.listen", "expected [ipv6]:port"},
        {"ListenIpv4InBrackets", listen("[127.0.0.1]:80"), 4, "server.listen",
         "is not an IPv6 address"},
        {"ListenWithoutHost", listen(":8080"), 4, "server.listen", "the host is empty"},
        {"ListenBadHostName", listen("bad host:80"), 4, "server.listen",
         "is not a host name or address"},
        {"MaxBodyBytesZero", minimal("[server]\nmax_body_bytes = 0\n"), 4, "server.max_body_bytes",
         "0 is out of range (1024 to 1073741824)"},
        {"MaxBodyBytesTooLarge", minimal("[server]\nmax_body_bytes = 2147483648\n"), 4,
         "server.max_body_bytes", "out of range"},
        {"MaxSizeZero", "[storage]\npath = \"s\"\nmax_size_mb = 0\n", 3, "storage.max_size_mb",
         "out of range"},
        {"MaxSizeNegative", "[storage]\npath = \"s\"\nmax_size_mb = -5\n", 3, "storage.max_size_mb",
         "-5 is out of range"},
        {"MaxSizeFraction", "[storage]\npath = \"s\"\nmax_size_mb = 1.5\n", 3,
         "storage.max_size_mb", "expected an integer, got a float"},
        {"NonLoopbackListenNeedsWebhook", listen("0.0.0.0:8080"), 4, "server.listen",
         "\"0.0.0.0\" is not a loopback address, so a [webhook] section with credentials is "
         "required"},
        {"NonLoopbackListenNeedsApi", listen("[::]:8080") + "[webhook]\nusername = \"u\"\n", 4,
         "server.listen", "so a [api] section with credentials is required",
         "SHIPLOG_WEBHOOK_PASSWORD=pw"},
        {"PublicUrlWithoutScheme", minimal("[server]\npublic_url = \"shiplog.example.com\"\n"), 4,
         "server.public_url", "is not an http:// or https:// URL"},
        // [azure_devops].
        {"OrganizationUrlWithoutScheme",
         minimal("[azure_devops]\norganization_url = \"dev.azure.com/contoso\"\n"), 4,
         "azure_devops.organization_url", "is not an http:// or https:// URL", k_azure_token},
        {"OrganizationUrlFtp", minimal("[azure_devops]\norganization_url = \"ftp://x\"\n"), 4,
         "azure_devops.organization_url", "is not an http:// or https:// URL", k_azure_token},
        {"OrganizationUrlWithoutHost", minimal("[azure_devops]\norganization_url = \"https://\"\n"),
         4, "azure_devops.organization_url", "has no host", k_azure_token},
        {"ApiVersionTooOld", tfs + "api_version = \"4.1\"\n", 5, "azure_devops.api_version",
         "5.0 or later", k_azure_token},
        {"ApiVersionNotAVersion", tfs + "api_version = \"latest\"\n", 5, "azure_devops.api_version",
         "not a REST API version", k_azure_token},
        // Secrets and credentials.
        {"SecretFileMissing", webhook, 5, "webhook.password_file",
         "webhook-password\": no such file"},
        {"ApiWithoutAnySecretSource", minimal("[api]\n"), 3, "api",
         "no token: set token_file, or the environment variable SHIPLOG_API_TOKEN, or the systemd "
         "credential \"api-token\""},
        {"WebhookWithoutAnySecretSource", minimal("[webhook]\nusername = \"u\"\n"), 3, "webhook",
         "no password"},
        {"WebhookUsernameWithColon", minimal("[webhook]\nusername = \"a:b\"\n"), 4,
         "webhook.username", "contains ':'", "SHIPLOG_WEBHOOK_PASSWORD=pw"},
        {"WebhookUsernameWithASpaceNamesTheRule", R"([storage]
path = "store"
[webhook]
username = "ship log"
password_file = "webhook-password"
)",
         4, "webhook.username", "^\\S+$", nullptr, true},
        // Edge limits: the [server] body starts at line 4.
        {"MaxConnectionsZero", minimal("[server]\nmax_connections = 0\n"), 4,
         "server.max_connections", "0 is out of range (1 to 1000000)"},
        {"MaxConnectionsNegative", minimal("[server]\nmax_connections = -1\n"), 4,
         "server.max_connections", "-1 is out of range"},
        {"MaxConnectionsTooMany", minimal("[server]\nmax_connections = 1000001\n"), 4,
         "server.max_connections", "out of range"},
        {"MaxConnectionsString", minimal("[server]\nmax_connections = \"many\"\n"), 4,
         "server.max_connections", "expected an integer, got a string"},
        {"PerIpCapZero", minimal("[server]\nmax_connections_per_ip = 0\n"), 4,
         "server.max_connections_per_ip", "0 is out of range (1 to 1000000)"},
        {"PerIpCapAboveMaxConnections",
         minimal("[server]\nmax_connections = 10\nmax_connections_per_ip = 11\n"), 5,
         "server.max_connections_per_ip", "11 exceeds max_connections (10)"},
        {"PerIpCapAboveDefaultMaxConnections", minimal("[server]\nmax_connections_per_ip = 4097\n"),
         4, "server.max_connections_per_ip", "4097 exceeds max_connections (4096)"},
        {"RequestTimeoutZero", minimal("[server]\nrequest_timeout_s = 0\n"), 4,
         "server.request_timeout_s", "0 is out of range (1 to 300)"},
        {"RequestTimeoutTooLong", minimal("[server]\nrequest_timeout_s = 301\n"), 4,
         "server.request_timeout_s", "301 is out of range"},
        {"RequestTimeoutFraction", minimal("[server]\nrequest_timeout_s = 2.5\n"), 4,
         "server.request_timeout_s", "expected an integer, got a float"},
        {"TrustedProxiesString", minimal("[server]\ntrusted_proxies = \"127.0.0.1\"\n"), 4,
         "server.trusted_proxies", "expected an array of strings, got a string"},
        {"TrustedProxiesInteger", minimal("[server]\ntrusted_proxies = [1]\n"), 4,
         "server.trusted_proxies[0]", "expected a string, got an integer"},
        {"TrustedProxyHostName",
         minimal("[server]\ntrusted_proxies = [\"127.0.0.1/32\",\n  \"nginx\"]\n"), 5,
         "server.trusted_proxies[1]", "\"nginx\" is not an IP address or network"},
        {"TrustedProxyIpv4PrefixTooLong",
         minimal("[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n"), 4, "server.trusted_proxies[0]",
         "prefix length must be 0-32"},
        {"TrustedProxyIpv6PrefixTooLong", minimal("[server]\ntrusted_proxies = [\"::/129\"]\n"), 4,
         "server.trusted_proxies[0]", "prefix length must be 0-128"},
        {"TrustedProxyEmptyPrefix", minimal("[server]\ntrusted_proxies = [\"10.0.0.0/\"]\n"), 4,
         "server.trusted_proxies[0]", "prefix length must be 0-32"},
        {"TrustedProxyEmpty", minimal("[server]\ntrusted_proxies = [\"\"]\n"), 4,
         "server.trusted_proxies[0]", "must not be empty"},
        {"TrustedProxyControlCharacter", minimal("[server]\ntrusted_proxies = [\"10.0.0.1\\n\"]\n"),
         4, "server.trusted_proxies[0]", "contains a control character"},
        {"UnknownEdgeKey", minimal("[server]\nmax_conections = 5\n"), 4, "server.max_conections",
         "unknown key"},
        // allow_from, on line 6 of the webhook config.
        {"AllowFromString", webhook + "allow_from = \"10.0.0.0/8\"\n", 6, "webhook.allow_from",
         "expected an array of strings, got a string", nullptr, true},
        {"AllowFromDoublePrefix", webhook + "allow_from = [\"10.0.0.0/8\", \"10.0.0.0/8/8\"]\n", 6,
         "webhook.allow_from[1]", "\"10.0.0.0/8/8\": prefix length must be 0-32", nullptr, true},
        {"AllowFromBadAddress", webhook + "allow_from = [\"300.1.2.3/8\"]\n", 6,
         "webhook.allow_from[0]", "is not an IP address or network", nullptr, true},
        {"AllowFromNegativePrefix", webhook + "allow_from = [\"10.0.0.0/-1\"]\n", 6,
         "webhook.allow_from[0]", "prefix length must be 0-32", nullptr, true},
        {"AllowFromEmpty", webhook + "allow_from = []\n", 6, "webhook.allow_from", "is empty",
         nullptr, true},
    };
}

class BrokenConfig : public LoadConfigTest, public ::testing::WithParamInterface<BrokenCase> {};

TEST_P(BrokenConfig, NamesFileLineAndKey) {
    const BrokenCase& c = GetParam();
    if (c.env != nullptr) {
        const std::string assignment = c.env;
        const auto eq = assignment.find('=');
        m_env.vars[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    }
    if (c.password_file) m_dir.write("webhook-password", "pw\n", k_private);
    expect_error(c.toml, c.line, c.key, c.problem);
}

INSTANTIATE_TEST_SUITE_P(LoadConfig, BrokenConfig, ::testing::ValuesIn(broken_cases()),
                         [](const ::testing::TestParamInfo<BrokenCase>& param) {
                             return std::string(param.param.name);
                         });

}  // namespace
}  // namespace shiplog::config
