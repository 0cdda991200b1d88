#pragma once
// The outbox's sender (`serve`): one background thread that reads the
// notification outbox oldest first and POSTs each message to its [[notify]]
// target (cpp-httplib, bounded connect and read timeouts), with the event id
// as the Idempotency-Key header. Only a 2xx removes the message, in a write
// transaction on the writer thread (JournalWriter::run_exclusive): delivery is
// at least once. A kill between the target's 2xx and that removal sends the
// message again after the restart, with the same key.
//
// A failure (connection error, timeout, non-2xx) backs its target off: the
// target's messages wait 10 s, then 20 s, doubling up to 5 min, while other
// targets go on; a message still unsent 24 h after it was queued is dropped
// and counted. A message whose target is no longer configured waits (a
// reload may bring it back) until those 24 h are up. Nothing connects
// anywhere while the outbox is empty, so without a [[notify]] the sender
// never opens a connection.
//
// Logs name a target by its name, kind and host, never by its URL.
//
// Threading: the constructor starts the thread; stop() (and the destructor)
// end it, interrupting a wait but not a POST in flight (bounded by the
// timeouts).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "storage/journal_writer.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {

class NotifySender {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

    struct Options {
        std::chrono::milliseconds poll{1000};  // how often the outbox is read
        std::chrono::milliseconds first_retry{10'000};
        std::chrono::milliseconds max_retry{300'000};
        std::chrono::hours give_up{24};
        std::chrono::seconds connect_timeout{5};
        std::chrono::seconds read_timeout{10};  // also the write timeout
        Metrics* metrics = nullptr;
    };

    NotifySender(storage::Store& store, storage::JournalWriter& writer, storage::Outbox outbox,
                 ConfigSource config, Clock& clock, LogFunction log, Options options);
    ~NotifySender();
    NotifySender(const NotifySender&) = delete;
    NotifySender& operator=(const NotifySender&) = delete;

    void stop();

  private:
    struct Backoff {
        int failures = 0;
        Timestamp next{};
    };

    void run();
    void pass();
    bool send(const std::vector<storage::OutboxRow>& rows);  // false: stopping
    // POSTs one message; the HTTP status, or -1 for a connection failure
    // (`error` says which, without the URL).
    int post(const config::NotifyConfig& target, const storage::OutboxMessage& message,
             std::string& error);
    bool remove(std::uint64_t seq);
    void log(LogLevel level, const std::string& line) const {
        if (m_log) m_log(level, line);
    }

    storage::Store& m_store;
    storage::JournalWriter& m_writer;
    storage::Outbox m_outbox;
    ConfigSource m_config;
    Clock& m_clock;
    LogFunction m_log;
    Options m_options;
    std::map<std::string, Backoff> m_backoff;  // per target name

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace shiplog::daemon
