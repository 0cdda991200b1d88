// Feeds arbitrary bytes to the notification outbox's record decoder (what
// the sender reads back from the store). Invariants: no crash, and a record
// that decodes encodes back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/outbox.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto decoded = shiplog::storage::decode_outbox_message(bytes);
    if (!decoded) return 0;
    if (shiplog::storage::encode_outbox_message(*decoded) != bytes) std::abort();
    return 0;
}
