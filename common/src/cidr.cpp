#include "common/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace shiplog {

bool parse_ip(std::string_view address, std::array<std::uint8_t, 16>& out) {
    if (address.empty() || address.size() >= INET6_ADDRSTRLEN) return false;
    char buf[INET6_ADDRSTRLEN];
    std::memcpy(buf, address.data(), address.size());
    buf[address.size()] = '\0';
    in_addr v4{};
    if (::inet_pton(AF_INET, buf, &v4) == 1) {
        out.fill(0);
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return true;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, buf, &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return true;
    }
    return false;
}

namespace {
bool is_v4_mapped(const std::array<std::uint8_t, 16>& a) {
    for (int i = 0; i < 10; ++i)
        if (a[i] != 0) return false;
    return a[10] == 0xff && a[11] == 0xff;
}
}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
    Cidr c;
    c.m_text = std::string(text);
    auto slash = text.find('/');
    std::string_view addr = text.substr(0, slash);
    if (!parse_ip(addr, c.m_net))
        return fail(ErrorCode::invalid_argument,
                    "\"" + std::string(text) + "\" is not an IP address or network (a.b.c.d/n)");
    const bool v4 = addr.find(':') == std::string_view::npos;
    const int max = v4 ? 32 : 128;
    int prefix = max;
    if (slash != std::string_view::npos) {
        auto bits = text.substr(slash + 1);
        auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
        if (ec != std::errc{} || p != bits.data() + bits.size() || bits.empty() || prefix < 0 ||
            prefix > max)
            return fail(
                ErrorCode::invalid_argument,
                "\"" + std::string(text) + "\": prefix length must be 0-" + std::to_string(max));
    }
    c.m_prefix = v4 ? prefix + 96 : prefix;
    // Host bits set ("10.1.2.3/8") are cleared rather than refused: the
    // network is what the operator meant.
    for (int i = 0; i < 16; ++i) {
        int keep = c.m_prefix - i * 8;
        if (keep >= 8) continue;
        c.m_net[i] &= keep <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - keep));
    }
    if (v4 && !is_v4_mapped(c.m_net)) c.m_net[10] = c.m_net[11] = 0xff;
    return c;
}

bool Cidr::contains(std::string_view address) const {
    std::array<std::uint8_t, 16> a{};
    if (!parse_ip(address, a)) return false;
    for (int i = 0; i < 16; ++i) {
        int keep = m_prefix - i * 8;
        if (keep <= 0) break;
        std::uint8_t mask = keep >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - keep));
        if ((a[i] & mask) != m_net[i]) return false;
    }
    return true;
}

bool contains_any(const std::vector<Cidr>& networks, std::string_view address) {
    for (const auto& n : networks)
        if (n.contains(address)) return true;
    return false;
}

bool is_loopback_address(std::string_view address) {
    std::array<std::uint8_t, 16> a{};
    if (!parse_ip(address, a)) return false;
    if (is_v4_mapped(a)) return a[12] == 127;
    for (int i = 0; i < 15; ++i)
        if (a[i] != 0) return false;
    return a[15] == 1;
}

}  // namespace shiplog
