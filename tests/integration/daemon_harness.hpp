#pragma once
// Shared set-up for integration tests: a temp dir with a config file, a
// webhook password file, and helpers to build event bodies and read the
// journal after the daemon stopped.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::testing {

inline constexpr const char* k_webhook_user = "shiplog";
inline constexpr const char* k_webhook_password = "hook-pass-7f3c9a1e2b";

struct DaemonOptions {
    bool webhook_auth = true;          // write a [webhook] section with a password file
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_size_mb = 64;
    std::string extra_toml;            // appended verbatim
};

class DaemonHarness {
public:
    explicit DaemonHarness(DaemonOptions options = {});

    std::filesystem::path config_path() const { return m_config; }
    std::filesystem::path store_path() const { return m_dir.path() / "store"; }
    const TempDir& dir() const { return m_dir; }

    // Starts `shiplog serve`; returns false (with output in the failure message) when it did not come up.
    bool start();
    // Same, with extra environment variables for the child (NOTIFY_SOCKET, ...).
    bool start(const std::map<std::string, std::string>& env);

    // Rewrites the config file as the constructor did, with `extra_toml`
    // instead of DaemonOptions::extra_toml (for reload tests; send SIGHUP after).
    void rewrite_config(const std::string& extra_toml);
    ServeProcess& serve() { return *m_serve; }
    int port() const { return m_serve->port(); }
    httplib::Client client() const;
    // Posts `body` to /hooks/azure-devops with the webhook credentials.
    httplib::Result post_event(const std::string& body, const std::string& content_type = "application/json") const;

    // SIGTERM and wait; returns the exit code.
    int stop();

    // Journal contents (event ids in order), read with the storage library after the daemon stopped.
    std::vector<std::string> journal_event_ids() const;

private:
    std::string config_text(const std::string& extra_toml) const;

    DaemonOptions m_options;
    TempDir m_dir;
    std::filesystem::path m_config;
    std::unique_ptr<ServeProcess> m_serve;
};

// A git.push delivery to Contoso/web-api refs/heads/<branch> with a unique id.
std::string make_push_event(const std::string& event_id, const std::string& repository = "web-api",
                            const std::string& branch = "main", int commits = 1);

}  // namespace shiplog::testing
