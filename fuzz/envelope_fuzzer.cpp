// Fuzzes parse_envelope, the one parser every webhook body goes through:
// it must never crash, and on success its invariants must hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "handlers/envelope.hpp"
#include "handlers/json_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto envelope = shiplog::handlers::parse_envelope(body);
    if (envelope && (envelope->id.empty() || envelope->event_type.empty())) std::abort();
    // The no-copy path must agree with the copying one.
    std::string padded(body);
    padded.reserve(size + shiplog::handlers::k_json_padding);
    shiplog::handlers::JsonParser parser;
    auto parsed = parser.parse(std::string_view(padded.data(), size), padded.capacity());
    auto again = parsed
                     ? shiplog::handlers::parse_envelope(*parsed)
                     : shiplog::Result<shiplog::handlers::Envelope>(tl::unexpected(parsed.error()));
    if (envelope.has_value() != again.has_value()) std::abort();
    if (envelope && (envelope->id != again->id || envelope->event_type != again->event_type))
        std::abort();
    if (envelope) (void)shiplog::handlers::is_test_delivery(*envelope);
    return 0;
}
