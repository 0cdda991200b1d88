#pragma once
// Made-up 40-hex commit ids from small numbers: sha(5) is 35 zeros and "00005".

#include <cstdio>
#include <string>

namespace shiplog::testing {

inline std::string sha(int n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "%040x", n);
    return buf;
}

}  // namespace shiplog::testing
