#include "routes/http_util.hpp"

#include <strings.h>

#include <string_view>

namespace shiplog::daemon {

bool content_type_acceptable(const http::Request& req) {
    if (!req.has_header("Content-Type")) return true;
    std::string_view type = req.header("Content-Type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    auto iequals = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
    };
    if (iequals(type, "application/json") || iequals(type, "text/json")) return true;
    return type.size() >= 17 && iequals(type.substr(0, 12), "application/") &&
           iequals(type.substr(type.size() - 5), "+json");
}

}  // namespace shiplog::daemon
