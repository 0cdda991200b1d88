#pragma once
// Who the client is: the TCP peer, unless the peer is a trusted proxy.

#include <string>
#include <string_view>
#include <vector>

#include "common/cidr.hpp"

namespace shiplog::http {

// The TCP peer's address as text; an IPv4-mapped IPv6 peer is written as
// plain IPv4 (so "127.0.0.1" is the same client on a dual-stack listener).
// `forwarded_for`: every X-Forwarded-For value, in order. When `peer` is a
// trusted proxy, the client is the right-most address in them that is not
// itself a trusted proxy (what the nearest untrusted hop claimed is the
// only part we can believe); with none, the peer itself. `via_proxy` is set
// whenever the peer is a trusted proxy.
std::string client_address(std::string_view peer,
                           const std::vector<std::string_view>& forwarded_for,
                           const std::vector<Cidr>& trusted_proxies, bool& via_proxy);

}  // namespace shiplog::http
