#pragma once
// digest.weekly: once per ISO week, for every [[notify]] that lists the
// event, the four keys (deploy frequency, lead time, change failure rate,
// time to restore) of each of its deployments over the 7 days before the
// scheduled time, beside the 7 days before those, and the change.
//
// The schedule is the target's `digest_at` (UTC weekday and time, default
// Monday 09:00). The digest of a week is due from that time until the week
// ends (Sunday 24:00 UTC): a daemon that was down at the scheduled time
// queues it when it comes back, the same week; a week that ended before the
// daemon came back is skipped. The windows depend only on the scheduled
// time, never on when it is queued, so a late digest says the same.
//
// The message id (the Idempotency-Key) is "digest.weekly:<target>:<ISO week>"
// ("digest.weekly:teams:2026-W49"); the outbox queues an id once per target
// ever, so a week's digest is queued once, across restarts.
//
// The figures are tracking::query_dora's, the same as `shiplog metrics
// --deployment <name> --since <since> --until <until> --json` prints.
//
// Threading: WeeklyDigest's constructor starts its thread; stop() ends it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <lmdb++.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "storage/journal_writer.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace shiplog::daemon {

struct DigestWeek {
    std::string iso_week;  // "2026-W49"
    Timestamp scheduled{};
};

// "2026-W49": the ISO 8601 week (weeks start on Monday; week 1 holds the
// year's first Thursday) that contains `t`.
std::string iso_week_of(Timestamp t);

// The week of `now` when its digest is due (now at or after this week's
// `weekday` 0 = Monday and `minute` after 00:00 UTC), else nullopt.
std::optional<DigestWeek> digest_due(Timestamp now, int weekday, int minute);

// The message for `target` and `week`, its figures read in `txn`.
Result<storage::OutboxMessage> digest_message(storage::Txn& txn, const tracking::Tables& tables,
                                              const config::Config& config,
                                              const config::NotifyConfig& target,
                                              const DigestWeek& week, Timestamp now);

class WeeklyDigest {
  public:
    using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

    struct Options {
        std::chrono::milliseconds poll{std::chrono::seconds{30}};
        bool start_thread = true;  // false (tests): nothing runs but check()
    };

    WeeklyDigest(storage::Store& store, storage::JournalWriter& writer, storage::Outbox outbox,
                 const tracking::Tables& tables, ConfigSource config, Clock& clock, LogFunction log,
                 Options options);
    ~WeeklyDigest();
    WeeklyDigest(const WeeklyDigest&) = delete;
    WeeklyDigest& operator=(const WeeklyDigest&) = delete;

    void stop();

    // Queues every digest due now and not yet queued; the thread calls it at
    // start and every `poll`. Not concurrently with itself.
    void check();

  private:
    void run();

    storage::Store& m_store;
    storage::JournalWriter& m_writer;
    storage::Outbox m_outbox;
    const tracking::Tables& m_tables;
    ConfigSource m_config;
    Clock& m_clock;
    LogFunction m_log;
    Options m_options;
    std::set<std::string> m_done;  // "<target>\n<week>" queued (or found queued) by this run

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace shiplog::daemon
