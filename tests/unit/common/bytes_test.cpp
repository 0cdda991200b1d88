#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace shiplog::bytes {
namespace {

std::string hex(std::string_view s) {
    static constexpr char k[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += k[c >> 4];
        out += k[c & 0xf];
    }
    return out;
}

TEST(Bytes, FixedWidthLayouts) {
    std::string out;
    put_fixed64(out, 0x0102030405060708ULL);
    EXPECT_EQ(hex(out), "0807060504030201");  // little-endian
    out.clear();
    put_u64_be(out, 0x0102030405060708ULL);
    EXPECT_EQ(hex(out), "0102030405060708");  // big-endian: byte order is numeric order
    EXPECT_EQ(decode_u64_be(out), 0x0102030405060708ULL);
    EXPECT_EQ(decode_fixed64("\x08\x07\x06\x05\x04\x03\x02\x01"), 0x0102030405060708ULL);
    char be32[4];
    encode_u32_be(be32, 7);
    EXPECT_EQ(decode_u32_be(std::string_view(be32, 4)), 7U);
}

TEST(Bytes, VarintsAreLeb128) {
    for (std::uint64_t v :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128},
          std::uint64_t{300}, std::uint64_t{1} << 32, std::numeric_limits<std::uint64_t>::max()}) {
        std::string out;
        put_varint(out, v);
        EXPECT_EQ(out.size(), varint_length(v));
        Reader in(out);
        EXPECT_EQ(in.varint(), v);
        EXPECT_TRUE(in.done());
    }
    std::string out;
    put_varint(out, 300);
    EXPECT_EQ(hex(out), "ac02");
}

TEST(Bytes, ReaderRefusesMalformedVarints) {
    Reader overlong(std::string_view("\x80\x00", 2));  // 0 written in two bytes
    overlong.varint();
    EXPECT_FALSE(overlong.ok());
    Reader truncated("\x80");
    truncated.varint();
    EXPECT_FALSE(truncated.ok());
    Reader too_big("\xff\xff\xff\xff\x10");  // 2^32: not a varint32
    too_big.varint32();
    EXPECT_FALSE(too_big.ok());
    Reader eleven("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02");  // beyond 64 bits
    eleven.varint();
    EXPECT_FALSE(eleven.ok());
}

TEST(Bytes, ReaderLatchesAndStaysInBounds) {
    std::string record;
    put_length_prefixed(record, "abc");
    put_fixed64(record, 9);
    Reader in(record);
    EXPECT_EQ(in.length_prefixed(), "abc");
    EXPECT_EQ(in.fixed64(), 9U);
    EXPECT_TRUE(in.done());
    EXPECT_EQ(in.u8(), 0);  // past the end
    EXPECT_FALSE(in.ok());

    Reader short_string(
        std::string_view("\x05"
                         "abc",
                         4));
    EXPECT_EQ(short_string.length_prefixed(), "");
    EXPECT_FALSE(short_string.ok());
    EXPECT_EQ(short_string.offset(), 0U);  // at the start of the read that failed
    EXPECT_EQ(short_string.fixed64(), 0U);
}

TEST(Bytes, PointerAndStringEncodersAgree) {
    std::string appended;
    put_length_prefixed(appended, "event-1");
    std::string buffer(length_prefixed_size("event-1"), '\0');
    char* end = encode_length_prefixed(buffer.data(), "event-1");
    EXPECT_EQ(end, buffer.data() + buffer.size());
    EXPECT_EQ(buffer, appended);
}

}  // namespace
}  // namespace shiplog::bytes
