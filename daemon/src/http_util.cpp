#include "http_util.hpp"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "handlers/envelope.hpp"

namespace shiplog::daemon::http {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

void json_error(httplib::Response& res, int status, std::string_view message) {
    res.status = status;
    res.set_content("{\"error\":\"" + json_escape(message) + "\"}", json_content_type);
}

void close_after_response(httplib::Response& res) {
    if (res.body.empty()) return;
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    auto type = res.get_header_value("Content-Type");
    res.headers.erase("Content-Type");
    res.set_header("Connection", "close");
    res.set_content_provider(
        body->size(), type,
        [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            sink.write(body->data() + offset, length);
            return false;  // everything is written; failing closes the connection
        });
}

bool content_type_acceptable(const httplib::Request& req) {
    // One lookup (not has_header + get_header_value: each costs a tolower()
    // per compared character), no copy.
    static const std::string k_name = "Content-Type";
    auto it = req.headers.find(k_name);
    if (it == req.headers.end()) return true;
    std::string_view type = it->second;
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    auto iequals = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
    };
    if (iequals(type, "application/json") || iequals(type, "text/json")) return true;
    return type.size() >= 17 && iequals(type.substr(0, 12), "application/") &&
           iequals(type.substr(type.size() - 5), "+json");
}

bool read_body_capped(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& content, std::size_t limit) {
    auto& body = const_cast<httplib::Request&>(req).body;
    // Room for the declared length up front (capped: the header is the
    // client's word): a 6 KB push no longer grows the string ~10 times.
    // Plus the JSON parser's padding, so the body is parsed in place
    // (handlers::parse_envelope_padded) instead of from a copy.
    static const std::string k_content_length = "Content-Length";
    if (auto it = req.headers.find(k_content_length); it != req.headers.end()) {
        std::uint64_t declared = std::strtoull(it->second.c_str(), nullptr, 10);
        std::uint64_t cap = std::min<std::uint64_t>(limit, 1 << 20);
        body.reserve(static_cast<std::size_t>(std::min(declared, cap)) + handlers::k_json_padding);
    }
    bool too_large = false;
    const bool complete = content([&](const char* data, std::size_t n) {
        if (body.size() + n > limit) {
            too_large = true;
            return false;
        }
        body.append(data, n);
        return true;
    });
    if (complete && !too_large) return true;
    // httplib itself sets 413 for a Content-Length beyond payload_max_length.
    if (too_large || res.status == 413)
        json_error(res, 413, "request body too large");
    else
        json_error(res, 400, "incomplete or malformed request body");
    return false;
}

}  // namespace shiplog::daemon::http
