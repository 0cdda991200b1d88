#pragma once
// An IPv4 or IPv6 network ("10.0.0.0/8", "2001:db8::/32", or one address).
// Used for [server] trusted_proxies and [webhook] allow_from.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace shiplog {

class Cidr {
  public:
    // "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128). Errors name
    // the text and what is wrong with it.
    static Result<Cidr> parse(std::string_view text);

    // `address` is a textual IPv4 or IPv6 address; an IPv4-mapped IPv6
    // address (::ffff:a.b.c.d) matches IPv4 networks. Unparsable: false.
    bool contains(std::string_view address) const;

    const std::string& text() const { return m_text; }

  private:
    std::array<std::uint8_t, 16> m_net{};  // IPv4 as ::ffff:a.b.c.d
    int m_prefix = 0;                      // over the 128-bit form
    std::string m_text;
};

bool contains_any(const std::vector<Cidr>& networks, std::string_view address);

// Parses a textual IPv4 or IPv6 address into its 16-byte form (IPv4 as
// ::ffff:a.b.c.d). False when it is not an address.
bool parse_ip(std::string_view address, std::array<std::uint8_t, 16>& out);

// 127.0.0.0/8, ::1 or ::ffff:127.x.y.z.
bool is_loopback_address(std::string_view address);

}  // namespace shiplog
