#pragma once
// Private to azure: a string map as a JSON object (request bodies, --json).
#include <map>
#include <string>

#include "common/json.hpp"

namespace shiplog::azure::detail {

// {"k":"v",...} in key order.
inline json::Writer& string_map(json::Writer& w, const std::map<std::string, std::string>& values) {
    w.begin_object();
    for (const auto& [k, v] : values) w.field(k, v);
    return w.end_object();
}

}  // namespace shiplog::azure::detail
