#pragma once
// Small helpers shared by the HTTP route files (private to daemon/src; this
// header includes httplib.h, so keep it out of daemon/include).

#include <cstddef>
#include <string>
#include <string_view>

#include <httplib.h>

namespace shiplog::daemon::http {

inline constexpr const char* json_content_type = "application/json";

// Escapes a string for a JSON string literal.
std::string json_escape(std::string_view s);

// Sets `status` and a {"error": message} body.
void json_error(httplib::Response& res, int status, std::string_view message);

// Sends the response, then makes httplib close the connection: a content
// provider that fails after writing the whole body is the only per-response
// way httplib 0.11 has to end a keep-alive connection (a "Connection: close"
// response header alone is not honoured by the server side). Every refusal
// that leaves a request body unread needs it: on an open connection the
// unread body would be parsed as the next request. A response without a body
// is left as it is.
void close_after_response(httplib::Response& res);

// SPEC §3: a Content-Type that is present and not JSON gets 415.
bool content_type_acceptable(const httplib::Request& req);

// Reads the body of a route registered with a ContentReader into req.body,
// stopping at the first byte beyond `limit`: httplib 0.11 enforces
// payload_max_length only for Content-Length bodies, so a chunked upload
// would otherwise be buffered whole. On failure answers 413 (too large) or
// 400 (incomplete) and returns false. (httplib owns the mutable Request and
// hands it to handlers as const; req.body is filled as for other routes.)
bool read_body_capped(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& content, std::size_t limit);

}  // namespace shiplog::daemon::http
