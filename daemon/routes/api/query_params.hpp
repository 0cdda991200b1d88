#pragma once
// Small helpers the /api/v1 routes share. Private to the daemon.

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/message.hpp"

namespace shiplog::daemon::api {

// A query parameter that is present and not empty.
std::optional<std::string> nonempty_param(const http::Request& req, std::string_view name);

// A captured path segment, %XX-decoded ('+' stays '+': this is a path, not a
// query). The dashboard sends deploy ids through encodeURIComponent, so
// "web-api:production:4" arrives as "web-api%3Aproduction%3A4".
std::string decode_segment(std::string_view s);

// Percent-encodes everything but RFC 3986's unreserved characters: a value
// safe in a query string or a URL path segment.
std::string percent_encode(std::string_view s);

// The HTTP status for a tracking error: not_found 404, invalid_argument and
// conflict 400, anything else 503 (the store).
int status_for(const Error& error);

}  // namespace shiplog::daemon::api
