#include "routes/api/query_params.hpp"

namespace shiplog::daemon::api {
std::optional<std::string> nonempty_param(const http::Request& req, std::string_view name) {
    auto value = req.query_param(name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

std::string decode_segment(std::string_view s) {
    return http::percent_decode(s, false);
}

std::string percent_encode(std::string_view s) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

int status_for(const Error& error) {
    switch (error.code) {
        case ErrorCode::not_found:
            return 404;
        case ErrorCode::invalid_argument:
        case ErrorCode::conflict:
            return 400;
        default:
            return 503;
    }
}

}  // namespace shiplog::daemon::api
