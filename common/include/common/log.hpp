#pragma once
// How a background worker reports: a line and its level, to a function the
// owner gives it (serve sends them to its logger, tests collect them). The
// libraries below daemon/ then need no logging library of their own.

#include <functional>
#include <string>

namespace shiplog {

enum class LogLevel { info, warn, error };

// Never receives a secret.
using LogFunction = std::function<void(LogLevel, const std::string&)>;

}  // namespace shiplog
