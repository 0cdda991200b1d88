#include "routes/http_util.hpp"

#include <string_view>

#include "common/ascii.hpp"

namespace shiplog::daemon {

bool content_type_acceptable(const http::Request& req) {
    if (!req.has_header("Content-Type")) return true;
    std::string_view type = req.header("Content-Type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    if (ascii::iequals(type, "application/json") || ascii::iequals(type, "text/json")) return true;
    return type.size() >= 17 && ascii::istarts_with(type, "application/") &&
           ascii::iends_with(type, "+json");
}

}  // namespace shiplog::daemon
