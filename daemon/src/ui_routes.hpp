#pragma once
// The browser dashboard (issue 10): GET / and GET /ui/* answered from the
// assets embedded at build time (web/). Static files only: every figure the
// page shows comes from the public /api/v1/* with the user's token. Private
// to daemon/src: installed on the httplib server by http_server.cpp.

#include <httplib.h>

namespace shiplog::daemon {

void install_ui_routes(httplib::Server& server);

}  // namespace shiplog::daemon
