#include "handlers/register_deploy_request.hpp"

#include "json.hpp"

namespace shiplog::handlers {

using namespace detail;

Result<RegisterDeployRequest> parse_register_deploy_request(std::string_view body) {
    SHIPLOG_TRY_ASSIGN(auto root, parse_root(body));
    RegisterDeployRequest request;
    SHIPLOG_TRY_ASSIGN(request.sha, required_sha(root, "", "sha"));
    request.environment = optional_string(root, "environment");
    if (request.environment && request.environment->empty()) request.environment.reset();
    SHIPLOG_TRY_ASSIGN(request.date, checked_optional_time(root, "", "date"));
    request.tags = optional_string(root, "tags").value_or("");
    request.email = optional_string(root, "email").value_or("");
    request.ignore_if_duplicate = optional_bool(root, "ignore_if_duplicate").value_or(false);
    if (auto status = optional_string_view(root, "status")) {
        if (*status == "failed")
            request.failed = true;
        else if (*status != "succeeded")
            return rejected("", "status", *status, "is not one of succeeded, failed");
    }
    return request;
}

}  // namespace shiplog::handlers
