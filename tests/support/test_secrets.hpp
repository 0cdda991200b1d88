#pragma once
// The secret values the test suite uses, in one place, so the whole-suite
// secret scan (tests/tools/secret_scan.cpp, CTest `secrets.scan_test_output`)
// knows exactly what must never appear in any captured output.
// Distinctive on purpose: a hit cannot be a coincidence.
#include <string>
#include <vector>

namespace shiplog::testing::secrets {

inline constexpr const char* webhook_user = "shiplog";
inline constexpr const char* webhook_password = "hook-pass-7f3c9a1e2b";
inline constexpr const char* api_token = "api-tok-SECRET-9c41d7e2b8a5f036";
inline constexpr const char* pat = "pat-SECRET-q7w3e9r1t5y8u2i4o6p0";

// Values some tests still define locally (hooks_test, metrics_test,
// deploys_test); scanned too until they use the ones above.
inline constexpr const char* local_values[] = {
    "pat-integration-7c1d9e2f4a6b8c0d1e3f5a7b9c",
    "hook-pass-9a8b7c6d5e",
    "rotated-password-123",
    "api-token-9b1e4c7d2a6f",
    "api-token-4d2c8e1f0a9b",
};

inline std::string base64(const std::string& in) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (unsigned char c : in) {
        v = (v << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(k[(v >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(k[(v << (6 - bits)) & 63]);
    while (out.size() % 4) out.push_back('=');
    return out;
}

// Every form a secret could leak in: raw, and the Basic credential as it
// travels (base64 of user:password, without the padding-sensitive tail).
inline std::vector<std::string> needles() {
    std::vector<std::string> n = {webhook_password, api_token, pat};
    for (const char* v : local_values) n.emplace_back(v);
    for (std::string pw : {std::string(webhook_password), std::string("hook-pass-9a8b7c6d5e")}) {
        auto basic = base64(std::string(webhook_user) + ":" + pw);
        n.push_back(basic.substr(0, basic.size() - 4));
    }
    return n;
}

}  // namespace shiplog::testing::secrets
