// Drives common/json.hpp's Writer with arbitrary bytes as a program of
// tokens (objects, arrays, keys, strings of any bytes, integers, doubles
// including NaN and infinities, booleans, null) and checks the invariants
// the rest of shiplog relies on: whatever is written parses with simdjson,
// and a string that is valid UTF-8 reads back unchanged.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace {

class Input {
  public:
    Input(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    bool empty() const { return m_pos >= m_size; }
    std::uint8_t byte() { return empty() ? 0 : m_data[m_pos++]; }
    std::string_view text() {
        const std::size_t n = byte() % 24;
        const std::size_t take = std::min(n, m_size - std::min(m_pos, m_size));
        std::string_view s(reinterpret_cast<const char*>(m_data + m_pos), take);
        m_pos += take;
        return s;
    }
    template <class T>
    T number() {
        T v{};
        std::uint8_t bytes[sizeof(T)] = {};
        for (auto& b : bytes) b = byte();
        std::memcpy(&v, bytes, sizeof v);
        return v;
    }

  private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

void must_parse(const std::string& text) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) != simdjson::SUCCESS) std::abort();
}

void check_round_trip(std::string_view s) {
    const std::string quoted = shiplog::json::quote(s);
    simdjson::dom::parser parser;
    std::string_view back;
    if (parser.parse(quoted).get_string().get(back) != simdjson::SUCCESS) std::abort();
    if (simdjson::validate_utf8(s.data(), s.size()) && back != s) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check_round_trip(std::string_view(reinterpret_cast<const char*>(data), size));

    Input in(data, size);
    shiplog::json::Writer w;
    std::vector<bool> in_object;  // the open containers, innermost last
    w.begin_array();
    in_object.push_back(false);
    for (int steps = 0; !in.empty() && steps < 4096; ++steps) {
        // Inside an object every value needs its key first.
        const bool object = in_object.back();
        std::uint8_t op = in.byte() % 9;
        if ((op == 1 || op == 2) && in_object.size() >= 256) op = 7;  // simdjson's depth limit
        if (op == 0 && in_object.size() > 1) {
            if (object)
                w.end_object();
            else
                w.end_array();
            in_object.pop_back();
            continue;
        }
        if (object) w.key(in.text());
        switch (op) {
            case 1:
                w.begin_object();
                in_object.push_back(true);
                break;
            case 2:
                w.begin_array();
                in_object.push_back(false);
                break;
            case 3:
                w.value(in.number<std::int64_t>());
                break;
            case 4:
                w.value(in.number<std::uint64_t>());
                break;
            case 5:
                w.value(in.number<double>());
                break;
            case 6:
                w.value((in.byte() & 1) != 0);
                break;
            case 7:
                w.null();
                break;
            default:
                w.value(in.text());
        }
    }
    while (!in_object.empty()) {
        if (in_object.back())
            w.end_object();
        else
            w.end_array();
        in_object.pop_back();
    }
    must_parse(w.str());
    return 0;
}
