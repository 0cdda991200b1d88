#pragma once
// The plain request and response the edge hands to routes. No Beast, no
// httplib: route code (daemon/) and tests see only these, so the heavy HTTP
// headers stay inside http/src.

#include <any>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shiplog::http {

struct Request {
    std::string method;  // "GET", "POST", ... as sent (methods are case-sensitive)
    std::string target;  // as sent: path and query
    std::string path;    // target up to '?', not percent-decoded
    std::string query;   // after '?', not decoded; empty when absent
    std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
    // The body (empty until the edge has read it; see Route::admit). Its
    // spare capacity holds the JSON parser's padding, so it can be parsed in
    // place (handlers::k_json_padding).
    std::string body;
    // The client's address: the TCP peer, or -- when the peer is one of
    // [server] trusted_proxies and sent X-Forwarded-For -- the last address
    // in that header not itself a trusted proxy.
    std::string client_address;
    // True when the TCP peer is a trusted proxy. Such a request is never a
    // loopback client, whatever address the proxy connected from.
    bool via_proxy = false;
    // Captures of a route pattern's `{}` segments, in order.
    std::vector<std::string> params;
    // Set by a route's admit check for its handler, e.g. the config snapshot
    // the request was admitted under (one snapshot per request).
    std::any state;

    // The first header named `name` (ASCII case-insensitive); empty when absent.
    std::string_view header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    // The query parameter `name`, percent-decoded ('+' is a space); nullopt
    // when absent.
    std::optional<std::string> query_param(std::string_view name) const;
    // A loopback client that did not come through a proxy (127.0.0.0/8, ::1,
    // ::ffff:127.x): the only kind that may use routes left open by a missing
    // [webhook] or [api] section.
    bool from_loopback() const;
};

// %XX sequences decoded (a malformed one stays as it is); '+' is a space
// when `plus_is_space` (a query), itself in a path segment.
std::string percent_decode(std::string_view s, bool plus_is_space);

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
    // Close the connection after this response (a refusal that left a body
    // unread, a protocol error). The edge also closes on its own refusals.
    bool close = false;

    // Annotations for the access log line (escaped there): the journaled
    // event id and what became of it (stored, duplicate, ignored, rejected,
    // unauthorized, unavailable), and why an event was ignored.
    std::string log_event_id;
    std::string log_outcome;
    std::string log_reason;

    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

// {"error": message} with `status`.
Response json_error(int status, std::string_view message);
// A 200 (or `status`) with a JSON body.
Response json(std::string body, int status = 200);

}  // namespace shiplog::http
