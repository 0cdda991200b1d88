#pragma once
// Shared set-up for integration tests: a temp dir with a config file, a
// webhook password file, and helpers to build event bodies and read the
// journal after the daemon stopped.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_secrets.hpp"

namespace shiplog::testing {

inline constexpr const char* k_webhook_user = secrets::webhook_user;
inline constexpr const char* k_webhook_password = secrets::webhook_password;

struct DaemonOptions {
    bool webhook_auth = true;  // write a [webhook] section with a password file
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_size_mb = 64;
    std::string extra_toml;    // appended verbatim
    std::string server_toml;   // more [server] keys ("request_timeout_s = 5\n")
    std::string webhook_toml;  // more [webhook] keys (needs webhook_auth)
};

class DaemonHarness {
  public:
    explicit DaemonHarness(DaemonOptions options = {});

    std::filesystem::path config_path() const { return m_config; }
    std::filesystem::path store_path() const { return m_dir.path() / "store"; }
    const TempDir& dir() const { return m_dir; }

    // Starts `shiplog serve`; returns false (with output in the failure message) when it did not
    // come up.
    bool start();
    // Same, with extra environment variables for the child (NOTIFY_SOCKET, ...).
    bool start(const std::map<std::string, std::string>& env);

    // Rewrites the config file with a new storage.max_size_mb (and the
    // original extra_toml); journal_event_ids() then opens with that size.
    void set_max_size_mb(std::size_t max_size_mb);

    // Rewrites the config file as the constructor did, with `extra_toml`
    // instead of DaemonOptions::extra_toml (for reload tests; send SIGHUP after).
    void rewrite_config(const std::string& extra_toml);
    ServeProcess& serve() { return *m_serve; }
    int port() const { return m_serve->port(); }
    httplib::Client client() const;
    // Posts `body` to /hooks/azure-devops with the webhook credentials.
    httplib::Result post_event(const std::string& body,
                               const std::string& content_type = "application/json") const;

    // SIGTERM and wait; returns the exit code.
    int stop();

    // Journal contents (event ids in order), read with the storage library after the daemon
    // stopped.
    std::vector<std::string> journal_event_ids() const;

  private:
    std::string config_text(const std::string& extra_toml) const;

    DaemonOptions m_options;
    TempDir m_dir;
    std::filesystem::path m_config;
    std::unique_ptr<ServeProcess> m_serve;
};

// A git.push delivery to Contoso/web-api refs/heads/<branch> with a unique id.
// Posting each of `ids` again (make_push_event to billing:main with
// `commits` commits) answers "duplicate".
void expect_duplicates(const DaemonHarness& daemon, const std::vector<std::string>& ids,
                       int commits);
// Every id in `ids` appears once.
void expect_each_once(const std::vector<std::string>& ids);

// The event ids in the journal of the store in `store_dir`, opened read-only.
std::vector<std::string> journal_event_ids_in(const std::filesystem::path& store_dir,
                                              std::size_t map_size = std::size_t{64} << 20);

std::string make_push_event(const std::string& event_id, const std::string& repository = "web-api",
                            const std::string& branch = "main", int commits = 1);

// Raw-socket helpers for malformed or hostile HTTP (no client library
// normalising what is sent). All waits are bounded by poll() deadlines.

// Connects to 127.0.0.1:port; returns the fd or -1.
int raw_connect(int port);
// Sends all of `bytes` (false when the peer closed or the send timed out).
bool raw_send(int fd, const std::string& bytes);
// Reads until the peer closes or `timeout` passes; returns what arrived.
std::string raw_read_until_close(int fd, std::chrono::milliseconds timeout);
// Reads until `done(what arrived)` holds, the peer closes, or `timeout` passes.
std::string raw_read_until(int fd, std::chrono::milliseconds timeout,
                           const std::function<bool(const std::string&)>& done);
// Connects, sends `bytes`, reads until close/timeout, closes.
std::string raw_exchange(int port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds{10});
// Status codes of every "HTTP/1.x NNN" response in `stream`, in order.
std::vector<int> response_statuses(const std::string& stream);

// A test against a daemon whose config has [api] with `token` in its token
// file (`extra_toml` after it); api_get sends the token, cli runs the
// shiplog binary with this daemon's --config.
class ApiDaemonTest : public ::testing::Test {
  protected:
    explicit ApiDaemonTest(std::string token, const std::string& extra_toml = "")
        : m_token(std::move(token)), daemon(options(extra_toml)) {
        daemon.dir().write("api-token", m_token + "\n");
    }

    httplib::Result api_get(const std::string& path) {
        auto c = daemon.client();
        c.set_bearer_token_auth(m_token);
        return c.Get(path.c_str());
    }

    // The status of GET `path` (api_get), or -1 when nothing answered.
    int api_status(const std::string& path) {
        auto res = api_get(path);
        return res ? res->status : -1;
    }

    CommandResult cli(std::vector<std::string> args) {
        args.push_back("--config");
        args.push_back(daemon.config_path().string());
        return run_command(SHIPLOG_BINARY, args);
    }

    std::string m_token;
    DaemonHarness daemon;

  private:
    static DaemonOptions options(const std::string& extra_toml) {
        DaemonOptions o;
        o.extra_toml = "[api]\ntoken_file = \"api-token\"\n" + extra_toml;
        return o;
    }
};

// Number of times `needle` occurs in `haystack`.
std::size_t count_occurrences(const std::string& haystack, const std::string& needle);

}  // namespace shiplog::testing
