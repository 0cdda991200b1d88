#pragma once
// The browser dashboard (issue 10): GET / and GET /ui/* answered from the
// assets embedded at build time (web/). Static files only: every figure the
// page shows comes from the public /api/v1/* with the user's token. Private
// to daemon/src: registered by http_server.cpp.

#include "http/router.hpp"

namespace shiplog::daemon {

// Adds GET / and GET /ui/{file}; both run on the I/O thread (memory only).
void add_ui_routes(http::Router& router);

}  // namespace shiplog::daemon
