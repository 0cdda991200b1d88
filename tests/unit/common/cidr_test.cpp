#include "common/cidr.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "support/expect_ok.hpp"

namespace shiplog {
namespace {

Cidr parsed(std::string_view text) {
    auto cidr = Cidr::parse(text);
    EXPECT_TRUE(cidr.has_value()) << text << ": " << cidr.error().message;
    return cidr ? *cidr : Cidr{};
}

struct Membership {
    const char* network;
    const char* address;
    bool inside;
};

// One table for every accepted form: which addresses fall inside, which not.
TEST(Cidr, Membership) {
    const Membership cases[] = {
        // IPv4 with a prefix
        {"10.0.0.0/8", "10.0.0.0", true},
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"10.0.0.0/8", "9.255.255.255", false},
        {"192.168.1.0/24", "192.168.1.77", true},
        {"192.168.1.0/24", "192.168.2.77", false},
        {"20.37.158.0/23", "20.37.159.1", true},
        {"20.37.158.0/23", "20.37.160.1", false},
        {"172.16.0.0/12", "172.31.255.255", true},
        {"172.16.0.0/12", "172.32.0.0", false},
        // /32 and a bare IPv4 address: that one address only
        {"127.0.0.1/32", "127.0.0.1", true},
        {"127.0.0.1/32", "127.0.0.2", false},
        {"203.0.113.7", "203.0.113.7", true},
        {"203.0.113.7", "203.0.113.8", false},
        // /0: every IPv4 address, and no IPv6 one
        {"0.0.0.0/0", "1.2.3.4", true},
        {"0.0.0.0/0", "255.255.255.255", true},
        {"0.0.0.0/0", "::ffff:1.2.3.4", true},
        {"0.0.0.0/0", "2001:db8::1", false},
        {"0.0.0.0/0", "::1", false},
        // IPv6 with a prefix
        {"2001:db8::/32", "2001:db8::1", true},
        {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
        {"2001:db8::/32", "2001:db9::1", false},
        {"2001:db8:1::/48", "2001:db8:1:2::3", true},
        {"2001:db8:1::/48", "2001:db8:2::3", false},
        {"2001:db8::/33", "2001:db8:7fff::1", true},
        {"2001:db8::/33", "2001:db8:8000::1", false},
        // /128 and a bare IPv6 address
        {"::1/128", "::1", true},
        {"::1/128", "::2", false},
        {"::1", "::1", true},
        {"::1", "0:0:0:0:0:0:0:1", true},
        {"2001:db8::5", "2001:db8::6", false},
        // ::/0: everything, IPv4 included (in its mapped form)
        {"::/0", "2001:db8::1", true},
        {"::/0", "10.1.2.3", true},
        // IPv4-mapped IPv6 addresses match IPv4 networks and vice versa
        {"10.0.0.0/8", "::ffff:10.1.2.3", true},
        {"10.0.0.0/8", "::ffff:11.1.2.3", false},
        {"127.0.0.1/32", "::ffff:127.0.0.1", true},
        {"::ffff:10.0.0.0/104", "10.9.9.9", true},
        {"::ffff:10.0.0.0/104", "11.9.9.9", false},
        {"::ffff:192.0.2.1", "192.0.2.1", true},
        // IPv4 networks never match a non-mapped IPv6 address with the same low bits
        {"10.0.0.0/8", "::10.1.2.3", false},
        {"10.0.0.0/8", "::a01:203", false},
        // Unparsable addresses are outside every network
        {"0.0.0.0/0", "", false},
        {"0.0.0.0/0", "localhost", false},
        {"::/0", "1.2.3", false},
        {"::/0", "::1%lo", false},
        {"10.0.0.0/8", "10.0.0.1 ", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.network) + " contains " + c.address);
        EXPECT_EQ(parsed(c.network).contains(c.address), c.inside);
    }
}

TEST(Cidr, HostBitsAreClearedNotRefused) {
    const Membership cases[] = {
        {"10.1.2.3/8", "10.200.0.1", true},         {"10.1.2.3/8", "11.0.0.1", false},
        {"192.168.1.77/24", "192.168.1.1", true},   {"192.168.1.77/24", "192.168.0.1", false},
        {"1.2.3.4/0", "200.1.1.1", true},           {"2001:db8::ffff/32", "2001:db8:1::", true},
        {"2001:db8::ffff/32", "2001:db9::", false}, {"2001:db8::1/127", "2001:db8::", true},
        {"2001:db8::1/127", "2001:db8::2", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.network) + " contains " + c.address);
        EXPECT_EQ(parsed(c.network).contains(c.address), c.inside);
    }
}

TEST(Cidr, KeepsTheTextAsWritten) {
    EXPECT_EQ(parsed("10.1.2.3/8").text(), "10.1.2.3/8");
    EXPECT_EQ(parsed("::1").text(), "::1");
}

TEST(Cidr, BadTextIsRefusedWithTheTextInTheMessage) {
    struct Bad {
        const char* text;
        const char* problem;
    };
    const Bad cases[] = {
        {"", "is not an IP address or network"},
        {"/8", "is not an IP address or network"},
        {"nginx", "is not an IP address or network"},
        {"localhost/32", "is not an IP address or network"},
        {"10.0.0", "is not an IP address or network"},
        {"10.0.0.256", "is not an IP address or network"},
        {"10.0.0.0.0/8", "is not an IP address or network"},
        {" 10.0.0.0/8", "is not an IP address or network"},
        {"2001:db8:::/32", "is not an IP address or network"},
        {"fe80::1%eth0/64", "is not an IP address or network"},
        {"10.0.0.0/", "prefix length must be 0-32"},
        {"10.0.0.0/33", "prefix length must be 0-32"},
        {"10.0.0.0/-1", "prefix length must be 0-32"},
        {"10.0.0.0/+8", "prefix length must be 0-32"},
        {"10.0.0.0/8 ", "prefix length must be 0-32"},
        {"10.0.0.0/8/8", "prefix length must be 0-32"},
        {"10.0.0.0/x", "prefix length must be 0-32"},
        {"10.0.0.0/99999999999999999999", "prefix length must be 0-32"},
        {"::/129", "prefix length must be 0-128"},
        {"2001:db8::/", "prefix length must be 0-128"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto cidr = Cidr::parse(c.text);
        ASSERT_FALSE(cidr.has_value());
        EXPECT_EQ(cidr.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(cidr.error().message.find(c.problem), std::string::npos) << cidr.error().message;
        EXPECT_NE(cidr.error().message.find(std::string("\"") + c.text + "\""), std::string::npos)
            << cidr.error().message;
    }
}

TEST(Cidr, ContainsAnyOfAList) {
    std::vector<Cidr> networks{parsed("10.0.0.0/8"), parsed("2001:db8::/32")};
    EXPECT_TRUE(contains_any(networks, "10.9.8.7"));
    EXPECT_TRUE(contains_any(networks, "2001:db8::1"));
    EXPECT_FALSE(contains_any(networks, "192.0.2.1"));
    EXPECT_FALSE(contains_any({}, "10.9.8.7"));
}

TEST(ParseIp, V4IsStoredMapped) {
    std::array<std::uint8_t, 16> out{};
    ASSERT_TRUE(parse_ip("192.0.2.1", out));
    const std::array<std::uint8_t, 16> expected{0, 0, 0,    0,    0,   0, 0, 0,
                                                0, 0, 0xff, 0xff, 192, 0, 2, 1};
    EXPECT_EQ(out, expected);
    ASSERT_TRUE(parse_ip("::ffff:192.0.2.1", out));
    EXPECT_EQ(out, expected);
    ASSERT_TRUE(parse_ip("2001:db8::1", out));
    EXPECT_EQ(out[0], 0x20);
    EXPECT_EQ(out[1], 0x01);
    EXPECT_EQ(out[15], 1);
    EXPECT_FALSE(parse_ip("", out));
    EXPECT_FALSE(parse_ip("not-an-address", out));
    EXPECT_FALSE(parse_ip(std::string(100, '1'), out));
}

TEST(IsLoopbackAddress, OnlyLoopback) {
    EXPECT_TRUE(is_loopback_address("127.0.0.1"));
    EXPECT_TRUE(is_loopback_address("127.255.0.9"));
    EXPECT_TRUE(is_loopback_address("::1"));
    EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
    EXPECT_FALSE(is_loopback_address("128.0.0.1"));
    EXPECT_FALSE(is_loopback_address("::2"));
    EXPECT_FALSE(is_loopback_address("::"));
    EXPECT_FALSE(is_loopback_address("::ffff:10.0.0.1"));
    EXPECT_FALSE(is_loopback_address("203.0.113.7"));
    EXPECT_FALSE(is_loopback_address("localhost"));
    EXPECT_FALSE(is_loopback_address(""));
}

}  // namespace
}  // namespace shiplog
