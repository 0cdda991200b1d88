#pragma once
// Writing JSON text (the client's request bodies, the CLI's --json output).
#include <map>
#include <string>
#include <string_view>

namespace shiplog::azure::detail {

// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);

// {"k":"v",...} in key order.
std::string json_object(const std::map<std::string, std::string>& values);

}  // namespace shiplog::azure::detail
