#include "daemon/logging.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

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

// Wraps the real sink (stderr or the journal) and counts the messages the
// pool thread is done with, so that a warning can wait for its own line.
class CountingSink final : public spdlog::sinks::sink {
  public:
    explicit CountingSink(std::shared_ptr<spdlog::sinks::sink> out) : m_out(std::move(out)) {}

    void log(const spdlog::details::log_msg& msg) override {
        // A failing sink (a journal that went away) loses the line but still
        // counts it, or a waiting warning would wait for ever; there is
        // nowhere to report it.
        try {
            m_out->log(msg);
            if (msg.level >= spdlog::level::warn) m_out->flush();
        } catch (const std::exception&) {
        }
        count_one();
    }
    void flush() override {
        try {
            m_out->flush();
        } catch (const std::exception&) {
        }
    }
    void set_pattern(const std::string& pattern) override { m_out->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
        m_out->set_formatter(std::move(formatter));
    }

    void count_one() {
        bool wake = false;
        {
            std::lock_guard lock(m_mutex);
            ++m_done;
            wake = m_waiters > 0;
        }
        if (wake) m_done_changed.notify_all();
    }

    // Returns once `n` messages are done.
    void wait_for(std::uint64_t n) {
        std::unique_lock lock(m_mutex);
        ++m_waiters;
        m_done_changed.wait(lock, [&] { return m_done >= n; });
        --m_waiters;
    }

  private:
    std::shared_ptr<spdlog::sinks::sink> m_out;
    std::mutex m_mutex;
    std::condition_variable m_done_changed;
    std::uint64_t m_done = 0;  // guarded by m_mutex
    int m_waiters = 0;         // guarded by m_mutex
};

// The process logger in front of spdlog's async logger: a request thread only
// queues its line (a copy under the queue's mutex, no syscall) and one pool
// thread writes. A warning or an error then waits until the pool thread has
// written it and, the queue being first in first out, every line queued before
// it: those are out before the caller goes on. (spdlog's flush_on() on an
// async logger only queues a flush request, and async_logger is final.)
class Logger final : public spdlog::logger {
  public:
    Logger(std::shared_ptr<spdlog::details::thread_pool> pool,
           std::shared_ptr<spdlog::sinks::sink> out)
        : spdlog::logger("shiplog"), m_sink(std::make_shared<CountingSink>(std::move(out))) {
        m_queue = std::make_shared<spdlog::async_logger>("shiplog", m_sink, std::move(pool),
                                                         spdlog::async_overflow_policy::block);
        m_queue->set_level(spdlog::level::trace);  // this logger's level decides
        // Only a line that could not be queued (no pool: the process is
        // ending) lands here; it will never be written, so it counts as done.
        m_queue->set_error_handler([sink = m_sink](const std::string&) { sink->count_one(); });
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        // Counted before it is queued: when this thread reads the count after
        // queueing, every message ahead of its own in the queue is included.
        m_queued.fetch_add(1);
        m_queue->log(msg.time, msg.source, msg.level, msg.payload);
        if (msg.level >= spdlog::level::warn) m_sink->wait_for(m_queued.load());
    }
    void flush_() override { m_queue->flush(); }

  private:
    std::shared_ptr<CountingSink> m_sink;
    std::shared_ptr<spdlog::async_logger> m_queue;
    std::atomic<std::uint64_t> m_queued{0};
};

// The pool's one thread. Its queue drains when the pool is destroyed (at exit,
// after main returns), so lines logged up to the end of main (SIGTERM's
// shutdown included) are written. Lines still queued when the process is
// killed outright are lost: log durability is not a promise, stored events are.
std::shared_ptr<spdlog::details::thread_pool> g_pool;

std::shared_ptr<spdlog::details::thread_pool> start_pool() {
    // spdlog builds every slot up front (~400 bytes each, with its inline
    // buffer): 8,192 cost 3 MiB of RSS and ~12 ms of start-up. 1,024 lines
    // are ~50 ms of access log at 20,000 requests/s; beyond that a request
    // thread waits for the writer (block policy) rather than memory growing.
    constexpr std::size_t k_queue_lines = 1024;
    // The thread starts with every signal blocked (a new thread inherits the
    // creator's mask). Logging starts before serve blocks SIGTERM/SIGINT/SIGHUP
    // for its signal thread; a process-directed SIGTERM must never land here,
    // where its default action would kill the process (exit 143).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    auto pool = std::make_shared<spdlog::details::thread_pool>(k_queue_lines, 1);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return pool;
}

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
    std::shared_ptr<spdlog::sinks::sink> out;
    if (stderr_is_journal()) {
        // The journal keeps the level as the entry's priority, so
        // `journalctl -p warning` works.
        out = std::make_shared<spdlog::sinks::systemd_sink_mt>("shiplog");
    } else {
        out = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        out->set_formatter(std::make_unique<spdlog::pattern_formatter>(
            "%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc));
    }
    auto pool = start_pool();
    auto logger = std::make_shared<Logger>(pool, std::move(out));
    logger->set_level(*parsed);
    spdlog::set_default_logger(std::move(logger));
    // A previous pool (a second init) drains its queue and stops here.
    g_pool = std::move(pool);
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
