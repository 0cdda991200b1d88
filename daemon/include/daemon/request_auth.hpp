#pragma once
// Who may call what (docs/reference/config.md, §3): Basic auth for the webhook, Bearer/apikey
// for the API, and loopback-only access when the matching config section is
// absent. Every comparison of a credential is constant-time.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "http/message.hpp"

namespace shiplog::daemon {

struct BasicCredentials {
    std::string username;
    std::string password;
};

// Parses "Basic <base64(user:password)>" (scheme case-insensitive); nullopt
// when malformed.
std::optional<BasicCredentials> parse_basic_auth(std::string_view authorization);

// The token of "Bearer <t>" or "apikey <t>" (scheme case-insensitive).
std::optional<std::string_view> parse_api_token(std::string_view authorization);

// Webhook: with [webhook], the request's Basic credentials must match the
// username and the current or previous password; without it, only loopback
// clients that did not come through a proxy (http::Request::from_loopback).
bool webhook_authorized(const std::optional<config::WebhookConfig>& webhook,
                        const http::Request& req);

// API: with [api], a Bearer/apikey token equal to api.token; without it, only
// loopback clients that did not come through a proxy.
bool api_authorized(const std::optional<config::ApiConfig>& api, const http::Request& req);

// Decides whether an auth failure from `source` is worth a log line: at most
// one per source per `interval`, with a bounded memory of sources (so a flood
// of unauthenticated requests cannot flood the log or grow memory).
// Threading: should_log() may be called from any thread.
class AuthFailureLogLimiter {
  public:
    explicit AuthFailureLogLimiter(Clock& clock,
                                   std::chrono::seconds interval = std::chrono::seconds{60},
                                   std::size_t max_sources = 4096)
        : m_clock(clock), m_interval(interval), m_max_sources(max_sources) {}

    // True when a line should be logged now; `suppressed` receives how many
    // failures from this source were not logged since the last line.
    bool should_log(std::string_view source, std::uint64_t& suppressed);

  private:
    struct Entry {
        Timestamp last_logged;
        std::uint64_t suppressed = 0;
    };
    Clock& m_clock;
    std::chrono::seconds m_interval;
    std::size_t m_max_sources;
    std::mutex m_mutex;
    std::unordered_map<std::string, Entry> m_sources;
};

}  // namespace shiplog::daemon
