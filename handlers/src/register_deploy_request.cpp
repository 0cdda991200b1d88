#include "handlers/register_deploy_request.hpp"

#include "common/time_format.hpp"
#include "json.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<RegisterDeployRequest> parse_register_deploy_request(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto root, parse_root(body));
    RegisterDeployRequest request;
    {
        SHIPLOG_TRY_ASSIGN(auto sha_text, required_string(root, "", "sha"));
        auto sha = normalize_sha(sha_text);
        if (!sha)
            return fail(ErrorCode::invalid_argument,
                        "sha: \"" + sha_text.substr(0, 64) + "\" is not a 40-hex commit id");
        request.sha = std::move(*sha);
    }
    request.environment = optional_string(root, "environment");
    if (request.environment && request.environment->empty()) request.environment.reset();
    if (auto date = optional_string(root, "date")) {
        auto parsed = parse_rfc3339(*date);
        if (!parsed) return fail(ErrorCode::invalid_argument, "date: " + parsed.error().message);
        request.date = *parsed;
    }
    request.tags = optional_string(root, "tags").value_or("");
    request.email = optional_string(root, "email").value_or("");
    request.ignore_if_duplicate = optional_bool(root, "ignore_if_duplicate").value_or(false);
    if (auto status = optional_string(root, "status")) {
        if (*status == "failed")
            request.failed = true;
        else if (*status != "succeeded")
            return fail(ErrorCode::invalid_argument, "status: \"" + status->substr(0, 32) +
                                                         "\" is not one of succeeded, failed");
    }
    return request;
}

}  // namespace shiplog::handlers
