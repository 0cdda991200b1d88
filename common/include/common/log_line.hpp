#pragma once
// Request-controlled text inside a log line (see one_line() in error.hpp for
// messages).

#include <cstddef>
#include <string>
#include <string_view>

namespace shiplog {

// one_line()'s escaping for a value logged inside "...": control bytes,
// DEL and bytes of no valid UTF-8 sequence as \xNN (one rule to undo), and
// also \" and \\. At most `max` input bytes, then "...".
std::string quoted_field(std::string_view text, std::size_t max);

}  // namespace shiplog
