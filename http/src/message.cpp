#include "http/message.hpp"

#include "common/ascii.hpp"
#include "common/cidr.hpp"
#include "common/json.hpp"

namespace shiplog::http {
namespace {

using ascii::hex_value;
using ascii::iequals;

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+' && plus_is_space) {
            out += ' ';
        } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view Request::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return {};
}

bool Request::has_header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return true;
    return false;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view q = query;
    while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view pair = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        if (percent_decode(key, true) != name) continue;
        return eq == std::string_view::npos ? std::string{}
                                            : percent_decode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

bool Request::from_loopback() const {
    return !via_proxy && is_loopback_address(client_address);
}

Response json_error(int status, std::string_view message) {
    Response res;
    res.status = status;
    res.body = json::Writer().begin_object().field("error", message).end_object().take();
    return res;
}

Response json(std::string body, int status) {
    Response res;
    res.status = status;
    res.body = std::move(body);
    return res;
}

}  // namespace shiplog::http
