#include "daemon/event_intake.hpp"

#include <future>

#include <spdlog/spdlog.h>

#include "handlers/envelope.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/relevance.hpp"

namespace shiplog::daemon {

const char* to_string(IntakeStatus status) {
    switch (status) {
        case IntakeStatus::stored:
            return "stored";
        case IntakeStatus::duplicate:
            return "duplicate";
        case IntakeStatus::ignored:
            return "ignored";
    }
    return "unknown";
}

EventIntake::EventIntake(storage::JournalWriter& writer, const ConfigHolder& config, Clock& clock,
                         Metrics* metrics)
    : m_writer(writer), m_config(config), m_clock(clock), m_metrics(metrics) {}

Result<IntakeResult> EventIntake::submit(std::string_view body, storage::EventSource source,
                                         std::chrono::milliseconds timeout) {
    return submit(body, body.size(), source, timeout);
}

Result<IntakeResult> EventIntake::submit(const std::string& body, storage::EventSource source,
                                         std::chrono::milliseconds timeout) {
    return submit(std::string_view(body), body.capacity(), source, timeout);
}

// `capacity`: bytes readable from body.data(); with handlers::k_json_padding
// of them past the body, the parse reads the body in place.
Result<IntakeResult> EventIntake::submit(std::string_view body, std::size_t capacity,
                                         storage::EventSource source,
                                         std::chrono::milliseconds timeout) {
    auto envelope = handlers::parse_envelope_padded(body, capacity);
    if (!envelope) {
        if (m_metrics) m_metrics->record_event("", EventOutcome::rejected);
        return tl::unexpected(envelope.error());
    }
    auto config = m_config.get();
    handlers::ParsedEvent parsed;
    bool tracked =
        handlers::classify_event(*envelope, body, *config, &parsed) == handlers::Relevance::tracked;

    storage::JournalEntry entry;
    entry.received_at = m_clock.now();
    entry.source = source;
    entry.event_id = envelope->id;
    entry.event_type = envelope->event_type;
    entry.publisher_id = std::move(envelope->publisher_id);
    entry.resource_version = std::move(envelope->resource_version);
    entry.created_date = envelope->created_date;
    entry.raw.assign(body.data(), body.size());

    // The projector reads the typed event parsed above instead of parsing
    // entry.raw again in the writer's transaction (handlers/parsed_event.hpp).
    // The entry is moved, never copied, so entry.raw's bytes stay put.
    const std::string event_id = entry.event_id;
    const std::string_view raw = entry.raw;
    std::string reason;
    if (!tracked) reason = handlers::ignored_reason(*envelope, body, *config, parsed);
    handlers::hand_off(event_id, raw, std::move(parsed));
    auto result = commit(std::move(entry), tracked, timeout);
    handlers::withdraw(event_id, raw);  // not taken: not projected, or timed out
    if (result && result->status == IntakeStatus::ignored) result->reason = std::move(reason);
    return result;
}

Result<IntakeResult> EventIntake::submit_record(std::string event_id, std::string_view event_type,
                                                std::string raw, storage::EventSource source,
                                                std::chrono::milliseconds timeout) {
    storage::JournalEntry entry;
    entry.received_at = m_clock.now();
    entry.source = source;
    entry.event_id = std::move(event_id);
    entry.event_type = std::string(event_type);
    entry.publisher_id = "shiplog";
    entry.resource_version = "1";
    entry.created_date = entry.received_at;
    entry.raw = std::move(raw);
    return commit(std::move(entry), true, timeout);
}

Result<IntakeResult> EventIntake::commit(storage::JournalEntry entry, bool tracked,
                                         std::chrono::milliseconds timeout) {
    IntakeResult result;
    result.event_id = entry.event_id;
    result.event_type = entry.event_type;

    auto future = m_writer.submit(std::move(entry));
    if (future.wait_for(timeout) != std::future_status::ready) {
        if (m_metrics) m_metrics->record_event(result.event_type, EventOutcome::unavailable);
        return fail(ErrorCode::unavailable, "the store did not commit the event within " +
                                                std::to_string(timeout.count()) + " ms");
    }
    auto appended = future.get();
    if (!appended) {
        if (appended.error().code == ErrorCode::store_full && !m_store_full.exchange(true))
            spdlog::error("store full: {} (webhook answers 503 until space is freed)",
                          appended.error().message);
        if (m_metrics) m_metrics->record_event(result.event_type, EventOutcome::unavailable);
        return tl::unexpected(appended.error());
    }
    if (m_store_full.exchange(false)) spdlog::info("store writable again");
    result.seq = appended->seq;
    if (appended->outcome == storage::AppendOutcome::duplicate)
        result.status = IntakeStatus::duplicate;
    else
        result.status = tracked ? IntakeStatus::stored : IntakeStatus::ignored;
    if (m_metrics) {
        m_metrics->record_event(result.event_type,
                                result.status == IntakeStatus::stored      ? EventOutcome::stored
                                : result.status == IntakeStatus::duplicate ? EventOutcome::duplicate
                                                                           : EventOutcome::ignored);
    }
    return result;
}

}  // namespace shiplog::daemon
