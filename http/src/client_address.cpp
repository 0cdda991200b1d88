#include "client_address.hpp"

namespace shiplog::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string client_address(std::string_view peer,
                           const std::vector<std::string_view>& forwarded_for,
                           const std::vector<Cidr>& trusted_proxies, bool& via_proxy) {
    via_proxy = contains_any(trusted_proxies, peer);
    if (!via_proxy) return std::string(peer);
    for (auto header = forwarded_for.rbegin(); header != forwarded_for.rend(); ++header) {
        std::string_view list = *header;
        while (!list.empty()) {
            auto comma = list.rfind(',');
            std::string_view hop =
                trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
            std::array<std::uint8_t, 16> parsed{};
            if (!parse_ip(hop, parsed)) return std::string(peer);  // garbage: trust nothing more
            if (!contains_any(trusted_proxies, hop)) return std::string(hop);
        }
    }
    return std::string(peer);
}

}  // namespace shiplog::http
