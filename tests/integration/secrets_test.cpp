// Secrets never leak (issue 8, SPEC §1, §2, §8): the webhook password, the
// API token and the Azure DevOps PAT, each distinctive, are used for real by
// the daemon and the CLI, with failures and successes; no stdout/stderr/log
// line and no unauthenticated endpoint body may contain any of them (nor
// their base64 forms). Secret files readable by group/others are refused.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "daemon_harness.hpp"
#include "support/process.hpp"
#include "support/sha.hpp"

namespace shiplog::testing {
namespace {

constexpr const char* k_api_token = secrets::api_token;
constexpr const char* k_pat = secrets::pat;

// Every form a secret could leak in (tests/support/test_secrets.hpp), plus
// distinctive middles in case something truncates or quotes the value.
std::vector<std::string> needles() {
    auto n = secrets::needles();
    n.push_back("7f3c9a1e2b");
    n.push_back("9c41d7e2b8a5f036");
    n.push_back("q7w3e9r1t5y8u2i4o6p0");
    return n;
}

class Transcript {
  public:
    void add(const std::string& what, const std::string& text) { m_parts.push_back({what, text}); }
    void add(const std::string& what, const CommandResult& r) {
        add(what + " stdout", r.out);
        add(what + " stderr", r.err);
    }
    void expect_no_secrets() const {
        for (const auto& [what, text] : m_parts)
            for (const auto& needle : needles())
                EXPECT_EQ(text.find(needle), std::string::npos)
                    << "secret '" << needle << "' leaked in " << what << ":\n"
                    << text.substr(0, 4000);
    }
    std::size_t bytes() const {
        std::size_t n = 0;
        for (const auto& p : m_parts) n += p.second.size();
        return n;
    }

  private:
    std::vector<std::pair<std::string, std::string>> m_parts;
};

DaemonOptions secret_options() {
    DaemonOptions o;
    o.extra_toml =
        "[api]\ntoken_file = \"api-token\"\n\n"
        "[azure_devops]\norganization_url = \"https://dev.azure.com/contoso\"\ntoken_file = "
        "\"azure-token\"\n";
    return o;
}

TEST(Secrets, NoSecretInAnyOutputLogOrUnauthenticatedBody) {
    DaemonHarness daemon(secret_options());
    daemon.dir().write("api-token", std::string(k_api_token) + "\n");
    daemon.dir().write("azure-token", std::string(k_pat) + "\n");
    auto config = daemon.config_path().string();
    Transcript t;
    auto cli = [&](const std::vector<std::string>& args) {
        auto r = run_command(SHIPLOG_BINARY, args);
        std::string what = "shiplog";
        for (const auto& a : args) what += " " + a;
        t.add(what, r);
        return r;
    };

    auto check = cli({"config", "check", "--config", config});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

    // ingest (the webhook's path, offline): a good file and a broken one.
    auto good = daemon.dir().write("good.json", make_push_event("ev-secret-ingest"));
    auto bad = daemon.dir().write("bad.json", "{not json");
    auto ingest = cli({"ingest", "--config", config, good.string(), bad.string()});
    EXPECT_EQ(ingest.exit_code, 1) << ingest.out << ingest.err;

    ASSERT_TRUE(daemon.start()) << daemon.serve().process().output();
    auto c = daemon.client();

    // Webhook: right, wrong password, wrong user, secret in the query string (never logged),
    // garbage auth.
    EXPECT_EQ(daemon.post_event(make_push_event("ev-secret-1"))->status, 200);
    c.set_basic_auth(k_webhook_user, std::string(k_webhook_password) + "x");
    EXPECT_EQ(
        c.Post("/hooks/azure-devops", make_push_event("ev-secret-2"), "application/json")->status,
        401);
    c.set_basic_auth(k_webhook_password, k_webhook_password);
    EXPECT_EQ(
        c.Post("/hooks/azure-devops", make_push_event("ev-secret-3"), "application/json")->status,
        401);
    auto c2 = daemon.client();
    c2.set_basic_auth(k_webhook_user, k_webhook_password);
    EXPECT_EQ(c2.Post(std::string("/hooks/azure-devops?token=") + k_api_token,
                      make_push_event("ev-secret-4"), "application/json")
                  ->status,
              200);
    auto c3 = daemon.client();
    EXPECT_EQ(c3.Post("/hooks/azure-devops",
                      httplib::Headers{{"Authorization", std::string("Bearer ") + k_api_token}},
                      make_push_event("ev-secret-5"), "application/json")
                  ->status,
              401);

    // API: missing, wrong (the PAT), right token; read and write.
    auto api = daemon.client();
    auto path = "/api/1/deployments/contoso/web-api/register_deploy";
    auto body = R"({"sha":")" + sha(4242) + R"(","environment":"production"})";
    EXPECT_EQ(api.Post(path, body, "application/json")->status, 401);
    EXPECT_EQ(api.Post(path, httplib::Headers{{"Authorization", std::string("Bearer ") + k_pat}},
                       body, "application/json")
                  ->status,
              401);
    EXPECT_EQ(
        api.Post(path,
                 httplib::Headers{{"Authorization", std::string("apikey ") + k_webhook_password}},
                 body, "application/json")
            ->status,
        401);
    auto registered =
        api.Post(path, httplib::Headers{{"Authorization", std::string("apikey ") + k_api_token}},
                 body, "application/json");
    ASSERT_TRUE(registered);
    EXPECT_EQ(registered->status, 200) << registered->body;
    t.add("register_deploy response", registered->body);
    EXPECT_EQ(api.Get("/api/v1/deploys")->status, 401);
    auto listed =
        api.Get("/api/v1/deploys",
                httplib::Headers{{"Authorization", std::string("Bearer ") + k_api_token}});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->status, 200);
    t.add("/api/v1/deploys body", listed->body);
    auto refused = api.Get("/api/v1/deploys",
                           httplib::Headers{{"Authorization", std::string("Bearer ") + k_pat}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    t.add("/api/v1/deploys 401 body", refused->body);

    // The unauthenticated endpoints.
    for (const std::string endpoint : {"/metrics", "/healthz", "/readyz", "/no-such-path"}) {
        auto res = daemon.client().Get(endpoint);
        ASSERT_TRUE(res) << endpoint;
        t.add(endpoint + " body", res->body);
        for (const auto& [k, v] : res->headers) t.add(endpoint + " header " + k, v);
    }

    // Read-only CLI while serving.
    auto deploys = cli({"deploys", "--config", config});
    EXPECT_EQ(deploys.exit_code, 0) << deploys.err;
    auto deploys_json = cli({"deploys", "--config", config, "--json"});
    EXPECT_EQ(deploys_json.exit_code, 0) << deploys_json.err;

    ASSERT_EQ(daemon.stop(), 0);
    t.add("shiplog serve output", daemon.serve().process().output());
    // The store holds raw events and projections, never credentials.
    for (const auto& file : std::filesystem::directory_iterator(daemon.store_path()))
        t.add("store file " + file.path().filename().string(), read_file(file.path()));

    // CLI failures that involve the secret files: a broken organization URL, an unreadable token.
    auto rc = cli({"config", "check", "--config", (daemon.dir() / "missing.toml").string()});
    EXPECT_EQ(rc.exit_code, 1);
    t.expect_no_secrets();
    std::printf("[ measured ] scanned %zu bytes of output for %zu secret forms\n", t.bytes(),
                needles().size());
}

TEST(Secrets, SecretValuesFromTheEnvironmentDoNotLeakEither) {
    DaemonOptions o;
    o.webhook_auth = false;
    o.extra_toml = "[webhook]\nusername = \"shiplog\"\n\n[api]\n";
    DaemonHarness daemon(o);
    auto config = daemon.config_path().string();
    std::map<std::string, std::string> env = {{"SHIPLOG_WEBHOOK_PASSWORD", k_webhook_password},
                                              {"SHIPLOG_API_TOKEN", k_api_token}};
    Transcript t;
    auto check = run_command(SHIPLOG_BINARY, {"config", "check", "--config", config}, env);
    t.add("config check (env secrets)", check);
    if (check.exit_code != 0)
        GTEST_SKIP() << "env-only secrets not accepted by this config shape: " << check.err;
    ASSERT_TRUE(daemon.start(env)) << daemon.serve().process().output();
    EXPECT_EQ(daemon.post_event(make_push_event("ev-env-1"))->status, 200);
    auto c = daemon.client();
    c.set_basic_auth(k_webhook_user, "wrong");
    EXPECT_EQ(
        c.Post("/hooks/azure-devops", make_push_event("ev-env-2"), "application/json")->status,
        401);
    auto metrics = daemon.client().Get("/metrics");
    ASSERT_TRUE(metrics);
    t.add("/metrics", metrics->body);
    ASSERT_EQ(daemon.stop(), 0);
    t.add("serve output", daemon.serve().process().output());
    t.expect_no_secrets();
}

TEST(Secrets, GroupOrWorldReadableSecretFilesAreRefusedWithoutPrintingThem) {
    using std::filesystem::perms;
    struct Case {
        const char* file;
        perms mode;
    };
    for (const auto& [file, mode] :
         {Case{"api-token", perms::owner_read | perms::owner_write | perms::group_read},
          Case{"api-token", perms::owner_read | perms::others_read},
          Case{"webhook-password",
               perms::owner_read | perms::owner_write | perms::group_read | perms::group_write},
          Case{"azure-token", perms::owner_read | perms::others_read | perms::others_write}}) {
        DaemonHarness daemon(secret_options());
        daemon.dir().write("api-token", std::string(k_api_token) + "\n");
        daemon.dir().write("azure-token", std::string(k_pat) + "\n");
        auto secret = std::string(file) == "api-token"     ? k_api_token
                      : std::string(file) == "azure-token" ? k_pat
                                                           : k_webhook_password;
        daemon.dir().write(file, std::string(secret) + "\n", mode);
        std::filesystem::permissions(daemon.dir() / file,
                                     mode);  // in case write() kept the old mode
        auto config = daemon.config_path().string();
        for (const std::string command : {"check", "serve"}) {
            auto r = command == "check"
                         ? run_command(SHIPLOG_BINARY, {"config", "check", "--config", config})
                         : run_command(SHIPLOG_BINARY, {"serve", "--config", config});
            EXPECT_EQ(r.exit_code, 1) << file << " " << command << ": " << r.out << r.err;
            auto all = r.out + r.err;
            EXPECT_NE(all.find(file), std::string::npos)
                << "the message should name the file: " << all;
            EXPECT_NE(all.find("group or others"), std::string::npos) << all;
            for (const auto& needle : needles())
                EXPECT_EQ(all.find(needle), std::string::npos) << all;
        }
    }
}

}  // namespace
}  // namespace shiplog::testing
