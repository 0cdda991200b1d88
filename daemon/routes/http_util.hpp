#pragma once
// The Content-Type rule shared by the routes that take a JSON body (the
// webhook and register_deploy). Private to the daemon.

#include "http/message.hpp"

namespace shiplog::daemon {

// A Content-Type that is present and not JSON gets 415 (application/json,
// text/json or application/<anything>+json, parameters ignored).
bool content_type_acceptable(const http::Request& req);

}  // namespace shiplog::daemon
