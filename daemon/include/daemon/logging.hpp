#pragma once
// Process-wide logging setup (spdlog's async logger, one writer thread): to
// the journal, each line with its level as the entry's priority, when stderr
// is connected to the journal (JOURNAL_STREAM); else to stderr in a human
// format. Info lines are queued; warnings and errors are written, with every
// line before them, before the call returns. Never log secrets or bodies.

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/log.hpp"

namespace shiplog::daemon {

// Installs the default logger. `level` is one of trace, debug, info, warn, error.
Status init_logging(std::string_view level);

// The workers' LogFunction (common/log.hpp) for the process logger: warnings
// and errors are written before it returns, like any spdlog::warn/error.
void log_line(LogLevel level, const std::string& line);

// Changes the level at run time (SIGHUP). Unknown names are an error.
Status set_log_level(std::string_view level);

}  // namespace shiplog::daemon
