#pragma once
// The event sink between the HTTP edge (and `shiplog ingest`) and the
// journal writer: validates the envelope, decides stored vs ignored against
// the config in force, hands the raw bytes to the group-commit writer and
// waits until they are durable. Used by POST /hooks/azure-devops, `ingest`
// and backfill, so every path applies the same rules.
//
// Threading: submit() may be called from any thread concurrently.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/event_kind.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/metrics.hpp"
#include "storage/journal.hpp"
#include "storage/journal_writer.hpp"

namespace shiplog::handlers {
class JsonParser;
}

namespace shiplog::daemon {

enum class IntakeStatus { stored, duplicate, ignored };
const char* to_string(IntakeStatus status);

struct IntakeResult {
    IntakeStatus status = IntakeStatus::stored;
    std::uint64_t seq = 0;  // journal sequence number (of the first delivery for a duplicate)
    std::string event_id;
    std::string event_type;
    EventKind kind = EventKind::unknown;  // unknown for shiplog's own records
    // For `ignored`: why, in words ("no deployment tracks Contoso/web-api:main",
    // "Test delivery", "event type not used"); empty otherwise.
    std::string reason;
};

class EventIntake {
  public:
    EventIntake(storage::JournalWriter& writer, const ConfigHolder& config, Clock& clock,
                Metrics* metrics);
    ~EventIntake();
    EventIntake(const EventIntake&) = delete;
    EventIntake& operator=(const EventIntake&) = delete;

    // Errors: ErrorCode::invalid_argument for a body that is not a valid
    // envelope (answer 400); unavailable / store_full / store when the event
    // could not be made durable within `timeout` (answer 503: Azure DevOps
    // retries, and a late commit is then answered "duplicate").
    Result<IntakeResult> submit(std::string_view body, storage::EventSource source,
                                std::chrono::milliseconds timeout);
    // Same; when the string's spare capacity holds the JSON parser's padding
    // (http::read_body_capped reserves it), the body is parsed in place.
    Result<IntakeResult> submit(const std::string& body, storage::EventSource source,
                                std::chrono::milliseconds timeout);

    // Event-driven forms for the HTTP edge: nothing waits. `done` runs once,
    // on the journal syncer's thread after the event is durable (or on the
    // calling thread for a body rejected before journaling), with the same
    // results and errors as submit(). It must be cheap: post the answer to
    // the connection's executor. `body`'s spare capacity may hold the JSON
    // parser's padding (parsed in place).
    using Done = std::function<void(Result<IntakeResult>)>;
    void submit_async(std::string body, storage::EventSource source, Done done);
    void submit_record_async(std::string event_id, std::string_view event_type, std::string raw,
                             storage::EventSource source, Done done);

    // Journals a record shiplog made itself (a register_deploy registration)
    // under `event_id`; it counts as "stored". Same durability and errors as submit().
    Result<IntakeResult> submit_record(std::string event_id, std::string_view event_type,
                                       std::string raw, storage::EventSource source,
                                       std::chrono::milliseconds timeout);

    // False after a store-full failure until the next successful commit.
    bool store_writable() const { return !m_store_full.load(std::memory_order_relaxed); }

    // Why the journal writer refuses every write until a restart (its sync
    // failed: storage::WriterStats::sync_failure); empty while healthy.
    std::string writer_failure() const { return m_writer.stats().sync_failure; }

  private:
    struct Prepared {
        storage::JournalEntry entry;
        bool tracked = false;
        std::string reason;  // why it is ignored, when not tracked
        EventKind kind = EventKind::unknown;
    };
    // `owned`: the body's own string when the caller gives it up (it becomes
    // the journal entry's raw bytes instead of a copy).
    Result<Prepared> prepare(std::string_view body, std::size_t capacity,
                             storage::EventSource source, std::string* owned = nullptr);
    Result<Prepared> prepare_with(handlers::JsonParser& parser, std::string_view body,
                                  std::size_t capacity, storage::EventSource source,
                                  std::string* owned);
    std::unique_ptr<handlers::JsonParser> take_parser();
    void give_back(std::unique_ptr<handlers::JsonParser> parser, std::size_t body_size);
    storage::JournalEntry make_record(std::string event_id, std::string_view event_type,
                                      std::string raw, storage::EventSource source);
    Result<IntakeResult> submit(std::string_view body, std::size_t capacity,
                                storage::EventSource source, std::chrono::milliseconds timeout);
    Result<IntakeResult> commit(Prepared prepared, std::chrono::milliseconds timeout);
    void commit_async(Prepared prepared, Done done);
    Result<IntakeResult> finish(std::string event_id, const std::string& event_type, EventKind kind,
                                bool tracked, std::string reason,
                                Result<storage::AppendResult> appended);

    storage::JournalWriter& m_writer;
    const ConfigHolder& m_config;
    Clock& m_clock;
    Metrics* m_metrics;
    std::atomic<bool> m_store_full{false};
    // Parsers for prepare(): one is taken per body and given back, so their
    // memory is reused across requests without belonging to a thread.
    std::mutex m_parsers_mutex;
    std::vector<std::unique_ptr<handlers::JsonParser>> m_parsers;
};

}  // namespace shiplog::daemon
