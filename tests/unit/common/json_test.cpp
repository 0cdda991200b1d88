#include "common/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/log_line.hpp"

namespace shiplog::json {
namespace {

TEST(JsonString, EscapesWhatJsonRequires) {
    EXPECT_EQ(quote("plain"), "\"plain\"");
    EXPECT_EQ(quote("q\"b\\"), "\"q\\\"b\\\\\"");
    EXPECT_EQ(quote("a\nb\rc\td\be\ff"), "\"a\\nb\\rc\\td\\be\\ff\"");
    EXPECT_EQ(quote(std::string("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
    EXPECT_EQ(quote("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
    EXPECT_EQ(escape("a\"b"), "a\\\"b");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
    EXPECT_EQ(quote("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80"),
              "\"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80\"");
    EXPECT_EQ(quote("bad\xc3("), "\"bad\\ufffd(\"");
    EXPECT_EQ(quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
    EXPECT_EQ(quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
    EXPECT_EQ(quote("\xf8\x88\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // no such lead byte
}

TEST(JsonWriter, PlacesCommasAndNests) {
    Writer w;
    w.begin_object().field("id", "web-api:production:4").field("n", 3).key("list").begin_array();
    w.value(1).begin_object().end_object().begin_array().end_array().value("x");
    w.end_array().field("ok", true).null_field("none").field("u", std::uint64_t{7});
    w.end_object();
    EXPECT_EQ(
        w.str(),
        R"({"id":"web-api:production:4","n":3,"list":[1,{},[],"x"],"ok":true,"none":null,"u":7})");
}

TEST(JsonWriter, WritesNumbersAndOptionals) {
    Writer w;
    w.begin_array();
    w.value(std::numeric_limits<std::int64_t>::min())
        .value(std::numeric_limits<std::uint64_t>::max());
    w.value(0.5).value(-2.0).value(std::nan("")).value(std::numeric_limits<double>::infinity());
    w.end_array();
    EXPECT_EQ(w.str(), "[-9223372036854775808,18446744073709551615,0.5,-2,null,null]");

    // A large integral double keeps an exponent: a bare 20-digit integer is
    // beyond what 64-bit JSON readers (simdjson) accept. Found by the fuzzer.
    Writer big;
    big.begin_array().value(-36893488147418193920.0).value(1e300).value(1e15).end_array();
    EXPECT_EQ(big.str(), "[-3.6893488147418194e+19,1e+300,1e+15]");

    Writer o;
    std::optional<std::string> set = "a", unset;
    o.begin_object().field("set", set).field("unset", unset).key("pre").raw("1.50").end_object();
    EXPECT_EQ(o.take(), R"({"set":"a","unset":null,"pre":1.50})");
}

TEST(OneLine, EscapesInvalidUtf8) {
    EXPECT_EQ(one_line("bad\xc3("), "bad\\xc3(");
    EXPECT_EQ(quoted_field("a\"b\\c\n", 256), "a\\\"b\\\\c\\x0a");
}

}  // namespace
}  // namespace shiplog::json
