#include "daemon/request_auth.hpp"

#include <array>

#include "common/ascii.hpp"
namespace shiplog::daemon {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// RFC 4648 base64 (padding optional); nullopt on any invalid character.
std::optional<std::string> base64_decode(std::string_view in) {
    static constexpr auto k_table = [] {
        std::array<int, 256> t{};
        t.fill(-1);
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
        return t;
    }();
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = k_table[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace

std::optional<BasicCredentials> parse_basic_auth(std::string_view authorization) {
    authorization = trim(authorization);
    if (!ascii::istarts_with(authorization, "basic ")) return std::nullopt;
    auto decoded = base64_decode(trim(authorization.substr(6)));
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::string_view> parse_api_token(std::string_view authorization) {
    authorization = trim(authorization);
    std::string_view token;
    if (ascii::istarts_with(authorization, "bearer "))
        token = trim(authorization.substr(7));
    else if (ascii::istarts_with(authorization, "apikey "))
        token = trim(authorization.substr(7));
    else
        return std::nullopt;
    if (token.empty()) return std::nullopt;
    return token;
}

bool webhook_authorized(const std::optional<config::WebhookConfig>& webhook,
                        const http::Request& req) {
    // Without a [webhook] section only the address counts: no header lookup.
    if (!webhook) return req.from_loopback();
    auto creds = parse_basic_auth(req.header("Authorization"));
    if (!creds) return false;
    // Evaluate every comparison so timing does not reveal which part failed.
    bool user_ok = constant_time_equals(creds->username, webhook->username);
    bool password_ok = false;
    for (const auto& password : webhook->passwords)
        password_ok |= password.matches(creds->password);
    return user_ok & password_ok;
}

bool api_authorized(const std::optional<config::ApiConfig>& api, const http::Request& req) {
    if (!api) return req.from_loopback();
    auto token = parse_api_token(req.header("Authorization"));
    return token && api->token.matches(*token);
}

bool AuthFailureLogLimiter::should_log(std::string_view source, std::uint64_t& suppressed) {
    auto now = m_clock.now();
    std::lock_guard lock(m_mutex);
    auto it = m_sources.find(std::string(source));
    if (it == m_sources.end()) {
        if (m_sources.size() >= m_max_sources)
            m_sources.clear();  // forget everyone rather than grow
        m_sources.emplace(std::string(source), Entry{now, 0});
        suppressed = 0;
        return true;
    }
    if (now - it->second.last_logged >= m_interval) {
        suppressed = it->second.suppressed;
        it->second = Entry{now, 0};
        return true;
    }
    ++it->second.suppressed;
    return false;
}

}  // namespace shiplog::daemon
