#include "http_util.hpp"

#include <cctype>
#include <cstdio>

namespace shiplog::daemon::http {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
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

bool content_type_acceptable(const httplib::Request& req) {
    if (!req.has_header("Content-Type")) return true;
    std::string type = req.get_header_value("Content-Type");
    auto semi = type.find(';');
    if (semi != std::string::npos) type.resize(semi);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type == "application/json" || type == "text/json") return true;
    return type.starts_with("application/") && type.ends_with("+json");
}

bool read_body_capped(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content,
                      std::size_t limit) {
    auto& body = const_cast<httplib::Request&>(req).body;
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
