#pragma once
// The dashboard's files (web/ui/* and Debian's Chart.js), embedded into the
// binary at build time by cmake/EmbedAssets.cmake. Plain data: no HTTP here.

#include <span>
#include <string_view>

namespace shiplog::web {

struct Asset {
    std::string_view path;          // URL path: "/ui/app.js"; index.html is "/ui/index.html"
    std::string_view content_type;  // "text/javascript; charset=utf-8", ...
    std::string_view etag;          // strong validator, quoted: "\"3f2a...\""
    std::string_view identity;      // the file's bytes
    std::string_view gzip;          // the same, gzip-compressed at build time
};

// Every embedded asset; static storage, safe to use from any thread.
std::span<const Asset> assets();

}  // namespace shiplog::web
