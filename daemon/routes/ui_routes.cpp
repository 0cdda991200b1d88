#include "routes/ui_routes.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "web/assets.hpp"

namespace shiplog::daemon {
namespace {

// Everything from our own origin only: no CDN, no web fonts, no inline code,
// so the page works air-gapped and an injected string cannot run script.
constexpr const char* k_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors "
    "'none'";

const web::Asset* find_asset(std::string_view path) {
    for (const auto& asset : web::assets())
        if (asset.path == path) return &asset;
    return nullptr;
}

// Whether `accept_encoding` lists gzip without q=0 (RFC 9110 §12.5.3).
bool accepts_gzip(std::string_view accept_encoding) {
    std::size_t pos = 0;
    while (pos <= accept_encoding.size()) {
        auto end = accept_encoding.find(',', pos);
        if (end == std::string_view::npos) end = accept_encoding.size();
        auto item = accept_encoding.substr(pos, end - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        auto semicolon = item.find(';');
        auto coding = item.substr(0, semicolon);
        while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
        if (coding == "gzip" || coding == "x-gzip" || coding == "*") {
            if (semicolon == std::string_view::npos) return true;
            auto params = item.substr(semicolon + 1);
            auto q = params.find("q=");
            if (q == std::string_view::npos) return true;
            auto value = params.substr(q + 2);
            return !(value.starts_with("0") &&
                     value.find_first_not_of("0. ") == std::string_view::npos);
        }
        pos = end + 1;
    }
    return false;
}

// True when If-None-Match names `etag` (or is "*").
bool not_modified(std::string_view if_none_match, std::string_view etag) {
    if (if_none_match.empty()) return false;
    if (if_none_match == "*") return true;
    return if_none_match.find(etag) != std::string_view::npos;
}

http::Response serve_asset(const web::Asset& asset, const http::Request& req) {
    http::Response res;
    res.set_header("Content-Security-Policy", k_csp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    // Names are not content-hashed: revalidate every time (a 304 costs one round trip).
    res.set_header("Cache-Control", "no-cache");
    res.set_header("ETag", std::string(asset.etag));
    res.set_header("Vary", "Accept-Encoding");
    if (not_modified(req.header("If-None-Match"), asset.etag)) {
        res.status = 304;
        res.content_type.clear();  // a 304 has no body, so no Content-Type
        return res;
    }
    // The gzip form was compressed at build time; nothing compresses per request.
    const bool gzip = accepts_gzip(req.header("Accept-Encoding"));
    std::string_view body = gzip ? asset.gzip : asset.identity;
    if (gzip) res.set_header("Content-Encoding", "gzip");
    res.content_type = std::string(asset.content_type);
    res.body = std::string(body);
    return res;
}

http::Route get(std::string pattern, std::function<http::Response(const http::Request&)> f) {
    http::Route route;
    route.method = "GET";
    route.pattern = std::move(pattern);
    route.execution = http::Execution::inline_io;  // memory only, nothing blocks
    route.handler = http::sync(std::move(f));
    return route;
}

}  // namespace

void add_ui_routes(http::Router& router) {
    router.add(get("/", [](const http::Request& req) {
        return serve_asset(*find_asset("/ui/index.html"), req);
    }));
    router.add(get("/ui/{}", [](const http::Request& req) {
        const auto* asset = find_asset(req.path);
        if (!asset) return http::json_error(404, "not found");
        return serve_asset(*asset, req);
    }));
}

}  // namespace shiplog::daemon
