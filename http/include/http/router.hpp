#pragma once
// Routes the daemon registers with the edge. A route is matched on method
// and path before any body byte is read; its body cap and admission check
// decide whether the body is read at all.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace shiplog::http {

// Completes a request. Call exactly once, from any thread; the response is
// written on the connection's own executor. Calls after the route's
// deadline answered 503 are ignored.
using Respond = std::function<void(Response)>;

enum class Execution {
    // On the I/O thread: must not block (no LMDB, no waiting). Cheap routes
    // (health, static files) and routes that hand work off and call
    // Respond later (the webhook hands its event to the writer).
    inline_io,
    // On the edge's small worker pool: may read the store and take
    // milliseconds; I/O threads never wait for it.
    worker,
};

struct Route {
    std::string method;  // exact, e.g. "GET"
    // Exact path, or segments where "{}" matches one non-empty segment
    // (captured into Request::params), e.g. "/api/v1/deploys/{}".
    // A pattern ending in "/{...}" matches one or more remaining segments
    // as one capture.
    std::string pattern;
    // Largest body read for this route. Routes that take no body keep the
    // edge's small default (a few KiB); the POST routes that take events set
    // [server] max_body_bytes. A declared Content-Length above it is
    // answered 413 without reading; a chunked body stops at the first byte
    // over it (413, connection closed).
    std::size_t max_body_bytes = 0;  // 0: the edge's small default
    // Runs on the I/O thread after the headers arrived and before any body
    // byte is read (also for `Expect: 100-continue`, before inviting the
    // body). Return a response to refuse (401, 403, 415...): the body is then
    // never read and the connection closes. nullopt: go on. It may leave
    // what it decided on in Request::state for the handler.
    std::function<std::optional<Response>(Request&)> admit;
    Execution execution = Execution::worker;
    // A worker route whose body is smaller than this runs on the I/O thread
    // instead: for a cheap handler that does not wait (the webhook parses a
    // few KiB and hands the event to the writer), the hop to a worker and
    // back costs more than the work. Large bodies still go to the pool.
    std::size_t inline_below = 0;
    // The handler must call Respond within this, or the edge answers 503
    // ("not committed in time") itself. Zero: the edge's request deadline.
    std::chrono::milliseconds respond_within{0};
    std::function<void(Request&, Respond)> handler;
    // The path's last segment is a credential (register_impact's api key):
    // the access log and request records show "***" instead.
    bool secret_last_segment = false;
};

// Convenience: a synchronous handler for Execution::worker routes.
inline std::function<void(Request&, Respond)> sync(std::function<Response(const Request&)> f) {
    return [f = std::move(f)](Request& req, Respond respond) { respond(f(req)); };
}

class Router {
  public:
    void add(Route route);

    struct Match {
        const Route* route = nullptr;  // null: no route for this path/method
        bool path_known = false;       // another method would match (405)
        std::vector<std::string> params;
    };
    Match match(std::string_view method, std::string_view path) const;

  private:
    std::vector<Route> m_routes;
};

}  // namespace shiplog::http
