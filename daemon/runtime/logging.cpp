#include "daemon/logging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "runtime/stderr_batcher.hpp"

namespace shiplog::daemon {
namespace {

// True when stderr is the journal stream systemd gave us (JOURNAL_STREAM is
// "device:inode" of that stream; compare so a redirected stderr is not fooled).
bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (js == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return st.st_dev == dev && st.st_ino == ino;
}

// sd-daemon(3) priority prefixes: the journal reads "<N>" as the line's level.
int journal_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return 7;
        case spdlog::level::info:
            return 6;
        case spdlog::level::warn:
            return 4;
        case spdlog::level::err:
            return 3;
        case spdlog::level::critical:
            return 2;
        default:
            return 6;
    }
}

// Both sinks format on the logging thread and hand the line to a
// StderrBatcher, which writes from its own thread (one write(2) per batch,
// not one per access log line; see stderr_batcher.hpp). flush_() waits for
// the batcher: the logger flushes on warnings and errors.
class JournalStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        fmt::format_to(std::back_inserter(line), "<{}>{}\n", journal_priority(msg.level),
                       std::string_view(msg.payload.data(), msg.payload.size()));
        m_out.append(std::string_view(line.data(), line.size()));
    }
    void flush_() override { m_out.flush(); }

  private:
    StderrBatcher m_out{STDERR_FILENO};
};

class HumanStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        m_out.append(std::string_view(formatted.data(), formatted.size()));
    }
    void flush_() override { m_out.flush(); }

  private:
    StderrBatcher m_out{STDERR_FILENO};
};

Result<spdlog::level::level_enum> parse_level(std::string_view name) {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn" || name == "warning") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    return fail(
        ErrorCode::invalid_argument,
        "log level \"" + std::string(name) + "\" is not one of trace, debug, info, warn, error");
}

}  // namespace

Status init_logging(std::string_view level) {
    auto parsed = parse_level(level);
    if (!parsed) return tl::unexpected(parsed.error());
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (stderr_is_journal()) {
        sink = std::make_shared<JournalStderrSink>();
    } else {
        sink = std::make_shared<HumanStderrSink>();
        sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
            "%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc));
    }
    auto logger = std::make_shared<spdlog::logger>("shiplog", std::move(sink));
    logger->set_level(*parsed);
    // Warnings and errors (and every line before them) are written before
    // the caller goes on; info lines (the access log) go out in batches.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    return {};
}

void log_line(LogLevel level, const std::string& line) {
    switch (level) {
        case LogLevel::error:
            spdlog::error("{}", line);
            return;
        case LogLevel::warn:
            spdlog::warn("{}", line);
            return;
        case LogLevel::info:
            spdlog::info("{}", line);
            return;
    }
}

Status set_log_level(std::string_view level) {
    auto parsed = parse_level(level);
    if (!parsed) return tl::unexpected(parsed.error());
    spdlog::set_level(*parsed);
    return {};
}

}  // namespace shiplog::daemon
