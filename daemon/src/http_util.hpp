#pragma once
// Small helpers shared by the HTTP route files (private to daemon/src; this
// header includes httplib.h, so keep it out of daemon/include).

#include <string>
#include <string_view>

#include <httplib.h>

namespace shiplog::daemon::http {

inline constexpr const char* json_content_type = "application/json";

// Escapes a string for a JSON string literal.
std::string json_escape(std::string_view s);

// Sets `status` and a {"error": message} body.
void json_error(httplib::Response& res, int status, std::string_view message);

// SPEC §3: a Content-Type that is present and not JSON gets 415.
bool content_type_acceptable(const httplib::Request& req);

}  // namespace shiplog::daemon::http
