// Feeds arbitrary bytes to the tr_deploy_days row decoder (`metrics` reads
// these rows from the store; a damaged store must give an error, never a
// read past the row). Invariants: no crash; a row that decodes has arrays
// that tile the rest of the value exactly, counts that agree with each
// other, and every value of every array readable.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "index/deploy_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using shiplog::tracking::detail::SortedSeconds;
    // A copy of exactly `size` bytes, so that ASan sees any read past it.
    const std::string value(reinterpret_cast<const char*>(data), size);
    shiplog::tracking::detail::DayFigures f;
    if (!shiplog::tracking::detail::decode_day_row(value, f)) return 0;
    const SortedSeconds* arrays[] = {&f.lead,   &f.restore, &f.batch_commits, &f.coding,
                                     &f.pickup, &f.review,  &f.deploy};
    const auto* end = reinterpret_cast<const unsigned char*>(value.data()) + value.size();
    const unsigned char* next = arrays[0]->bytes;
    std::uint64_t sum = 0;  // wraps: only there to keep the reads
    for (const auto* a : arrays) {
        if (a->bytes != next || a->native != nullptr || (a->width != 4 && a->width != 8))
            std::abort();
        for (std::size_t i = 0; i < a->count; ++i) sum += static_cast<std::uint64_t>(a->at(i));
        next += a->count * a->width;
    }
    if (next != end) std::abort();
    std::uint64_t sized = 0;
    for (auto n : f.batch_sizes) sized += n;
    if (sized != f.succeeded || f.batch_commits.count != f.succeeded || f.rework > f.succeeded ||
        f.coding.count > f.pull_requests || f.pickup.count != f.pull_requests)
        std::abort();
    return sum == 42 ? 0 : 0;  // keeps the reads
}
