#pragma once
// The one immutable Config value (docs/reference/config.md). Parsed once by load_config(),
// then passed down explicitly; nothing in shiplog reads configuration from a
// global. Paths are absolute (relative ones were resolved against the config
// file's folder at load time) and secrets are already read from their files,
// environment variables or systemd credentials.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cidr.hpp"
#include "common/secret.hpp"

namespace shiplog::config {

struct ServerConfig {
    std::string listen_host =
        "127.0.0.1";                   // from server.listen "host:port"; brackets stripped for IPv6
    std::uint16_t listen_port = 8080;  // 0 = pick an ephemeral port (tests)
    std::string public_url;            // base URL Azure DevOps calls; empty = unset
    std::size_t max_body_bytes = 26214400;                 // requests with larger bodies get 413
    std::optional<std::filesystem::path> tls_certificate;  // both set => HTTPS only
    std::optional<std::filesystem::path> tls_private_key;
    // Only these peers may set X-Forwarded-For; a request they forward is
    // never treated as a loopback client, whatever the proxy's own address.
    std::vector<Cidr> trusted_proxies;
    std::size_t max_connections = 4096;       // open connections in all, refused at accept beyond
    std::size_t max_connections_per_ip = 64;  // per client address; <= max_connections
    // The whole request (TLS handshake, headers, body) must arrive within
    // this, counted from its first byte (from accept for a new connection).
    std::chrono::seconds request_timeout{10};
};

struct StorageConfig {
    std::filesystem::path path;      // LMDB environment directory, created if missing
    std::size_t max_size_mb = 4096;  // LMDB map size in MiB
};

struct AzureDevOpsConfig {
    std::string organization_url;  // https://dev.azure.com/{org} or https://host/tfs/{collection},
                                   // no trailing '/'
    Secret token;                  // the PAT
    std::optional<std::filesystem::path> ca_file;  // extra CA bundle for on-prem servers
    // [azure_devops] api_version ("6.0"): the REST version every call asks
    // for; unset, the client learns the server's highest and uses up to 7.1.
    std::optional<std::string> api_version;
};

struct WebhookConfig {
    std::string username;
    std::vector<Secret> passwords;  // [0] current, [1] previous (rotation); both accepted
    std::vector<Cidr> allow_from;   // empty = any network; else other clients get 403
};

struct ApiConfig {
    Secret token;  // Bearer / apikey token for /api/*
};

enum class Trigger { push, build, stage, release, manual };
const char* to_string(Trigger t);

struct DeploymentConfig {
    std::string name;             // slug [a-z0-9-]+
    std::string environment;      // (name, environment) is unique
    std::string project;          // Azure DevOps project name
    std::string repository;       // Git repository name in that project
    std::string branch = "main";  // without "refs/heads/"
    Trigger trigger = Trigger::push;
    std::string pipeline;             // build, stage: pipeline (build definition) name
    std::string stage;                // stage: YAML stage name
    std::string release_definition;   // release: classic release definition name
    std::string release_environment;  // release: classic release stage name
    std::string
        incident_area_path;  // optional: only incidents under this area blame this deployment
};

struct FailuresConfig {
    std::vector<std::string> incident_work_item_types{"Bug"};
    std::vector<std::string> incident_tags{"incident"};  // case-insensitive; empty = any
    std::vector<std::string> incident_closed_states{"Closed", "Done", "Resolved"};
    // Branch globs (case-sensitive; `*` and `?` never match `/`; `[...]` a
    // character class): a deploy shipping a pull request from such a source
    // branch is rework ("hotfix"). Empty: none.
    std::vector<std::string> hotfix_branches;
};

enum class IncidentSourceKind { api, azure_monitor };
const char* to_string(IncidentSourceKind kind);  // "api", "azure-monitor"

// [[incident_source]]: incidents from outside Azure Boards. Each belongs to
// one configured deployment+environment, where its incidents blame deploys.
struct IncidentSourceConfig {
    std::string name;  // slug, unique, not "boards" (incident ids carry it)
    IncidentSourceKind kind = IncidentSourceKind::api;
    std::string deployment;
    std::string environment;
};

enum class NotifyKind { teams, slack, webhook };
const char* to_string(NotifyKind kind);  // "teams", "slack", "webhook"

// The events a [[notify]] may subscribe to, in documentation order.
inline constexpr const char* k_notify_events[] = {"deploy.succeeded", "deploy.failed",
                                                  "deploy.rollback",  "incident.opened",
                                                  "hooks.unhealthy",  "digest.weekly"};

// [[notify]]: where deploy news goes. `url` is a secret (an incoming webhook
// URL carries its own credential): logs and messages name a target by
// `name`, kind and `host` only.
struct NotifyConfig {
    // Slug naming the target in the outbox, so queued messages survive a
    // reordering of the entries or a rotated URL; defaults to the kind
    // (`<kind>-<n>` for the n-th, 1-based, when a kind appears more than once).
    std::string name;
    NotifyKind kind = NotifyKind::webhook;
    Secret url;
    std::string host;                      // the URL's host[:port], for logs
    std::vector<std::string> events;       // subset of k_notify_events
    std::vector<std::string> deployments;  // empty = every deployment

    bool wants(std::string_view event) const;
    bool wants_deployment(std::string_view deployment) const;
};

struct Config {
    std::filesystem::path source_file;  // absolute path of the file this came from
    ServerConfig server;
    StorageConfig storage;
    std::optional<AzureDevOpsConfig> azure_devops;
    std::optional<WebhookConfig> webhook;  // absent => /hooks/* accepts loopback clients only
    std::optional<ApiConfig> api;          // absent => /api/* accepts loopback clients only
    std::vector<DeploymentConfig> deployments;
    FailuresConfig failures;
    std::vector<IncidentSourceConfig> incident_sources;
    std::vector<NotifyConfig> notify;  // empty => nothing is ever sent anywhere
    std::vector<std::string>
        warnings;  // non-fatal findings, printed by `config check` and at start
};

}  // namespace shiplog::config
