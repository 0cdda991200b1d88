#pragma once
// The body of POST /api/1/deployments/{org}/{deployment}/register_deploy,
// Sleuth-compatible (docs/reference/http-api.md): only "sha" is required.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace shiplog::handlers {

struct RegisterDeployRequest {
    std::string sha;                         // 40 hex, lower-cased
    std::optional<std::string> environment;  // absent: the deployment's only environment
    std::optional<Timestamp> date;           // absent: now
    std::string tags;                        // "#a #b", kept as sent
    std::string email;
    bool ignore_if_duplicate = false;
    bool failed = false;  // shiplog's optional "status": "failed"
};

// Errors (invalid_argument) name the field: `sha: missing string`,
// `sha: "abc" is not a 40-hex commit id`, `date: "x" is not an RFC 3339 time`,
// `status: "meh" is not one of succeeded, failed`.
Result<RegisterDeployRequest> parse_register_deploy_request(std::string_view body);

}  // namespace shiplog::handlers
