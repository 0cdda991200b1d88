#include "ui_routes.hpp"

#include <string>
#include <string_view>

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

void serve_asset(const web::Asset& asset, const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy", k_csp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    // Names are not content-hashed: revalidate every time (a 304 costs one round trip).
    res.set_header("Cache-Control", "no-cache");
    res.set_header("ETag", std::string(asset.etag));
    res.set_header("Vary", "Accept-Encoding");
    if (not_modified(req.get_header_value("If-None-Match"), asset.etag)) {
        res.status = 304;
        return;
    }
    const bool gzip = accepts_gzip(req.get_header_value("Accept-Encoding"));
    std::string_view body = gzip ? asset.gzip : asset.identity;
    if (gzip) res.set_header("Content-Encoding", "gzip");
    // A sized content provider: httplib (built with zlib and brotli) would
    // otherwise compress text/* bodies again on every request.
    res.set_content_provider(
        body.size(), std::string(asset.content_type),
        [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            return sink.write(body.data() + offset, length);
        });
}

}  // namespace

void install_ui_routes(httplib::Server& server) {
    server.Get("/", [](const httplib::Request& req, httplib::Response& res) {
        serve_asset(*find_asset("/ui/index.html"), req, res);
    });
    server.Get(R"(/ui/([A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
        const auto* asset = find_asset(req.path);
        if (!asset) {
            res.status = 404;  // the error handler adds the JSON body
            return;
        }
        serve_asset(*asset, req, res);
    });
}

}  // namespace shiplog::daemon
