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

}  // namespace shiplog::daemon::http
