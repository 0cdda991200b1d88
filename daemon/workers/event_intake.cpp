#include "daemon/event_intake.hpp"

#include <future>

#include <spdlog/spdlog.h>

#include "handlers/envelope.hpp"
#include "handlers/json_parser.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/relevance.hpp"

namespace shiplog::daemon {
namespace {
// Bodies above this give their parse memory back after the parse.
constexpr std::size_t k_large_body_bytes = std::size_t{1} << 20;
}  // namespace

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

EventIntake::~EventIntake() = default;

std::unique_ptr<handlers::JsonParser> EventIntake::take_parser() {
    {
        std::lock_guard lock(m_parsers_mutex);
        if (!m_parsers.empty()) {
            auto parser = std::move(m_parsers.back());
            m_parsers.pop_back();
            return parser;
        }
    }
    return std::make_unique<handlers::JsonParser>();
}

void EventIntake::give_back(std::unique_ptr<handlers::JsonParser> parser, std::size_t body_size) {
    // Memory per request is bounded and returned, whatever its size.
    if (body_size > k_large_body_bytes) parser->release_memory(k_large_body_bytes);
    std::lock_guard lock(m_parsers_mutex);
    m_parsers.push_back(std::move(parser));
}

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
Result<EventIntake::Prepared> EventIntake::prepare(std::string_view body, std::size_t capacity,
                                                   storage::EventSource source,
                                                   std::string* owned) {
    auto parser = take_parser();
    auto prepared = prepare_with(*parser, body, capacity, source, owned);
    give_back(std::move(parser), body.size());
    return prepared;
}

// One parse serves the envelope and the typed event that decides relevance.
Result<EventIntake::Prepared> EventIntake::prepare_with(handlers::JsonParser& parser,
                                                        std::string_view body, std::size_t capacity,
                                                        storage::EventSource source,
                                                        std::string* owned) {
    auto parsed_body = parser.parse(body, capacity);
    auto envelope = parsed_body ? handlers::parse_envelope(*parsed_body)
                                : Result<handlers::Envelope>(tl::unexpected(parsed_body.error()));
    if (!envelope) {
        if (m_metrics) m_metrics->record_event(EventKind::unknown, EventOutcome::rejected);
        return tl::unexpected(envelope.error());
    }
    auto config = m_config.get();
    handlers::ParsedEvent parsed;
    Prepared p;
    p.kind = envelope->kind;
    p.tracked = handlers::classify_event(*envelope, *parsed_body, *config, &parsed) ==
                handlers::Relevance::tracked;

    storage::JournalEntry& entry = p.entry;
    entry.received_at = m_clock.now();
    entry.source = source;
    entry.event_id = envelope->id;
    entry.event_type = envelope->event_type;
    entry.publisher_id = std::move(envelope->publisher_id);
    entry.resource_version = std::move(envelope->resource_version);
    entry.created_date = envelope->created_date;
    // The projector reads the typed event parsed above instead of parsing
    // entry.raw again in the writer's transaction (handlers/parsed_event.hpp).
    if (p.tracked)
        entry.parsed = handlers::carry(std::move(parsed));
    else
        p.reason = handlers::ignored_reason(*envelope, body, *config, parsed);
    if (owned)
        entry.raw = std::move(*owned);
    else
        entry.raw.assign(body.data(), body.size());
    return p;
}

Result<IntakeResult> EventIntake::submit(std::string_view body, std::size_t capacity,
                                         storage::EventSource source,
                                         std::chrono::milliseconds timeout) {
    auto prepared = prepare(body, capacity, source);
    if (!prepared) return tl::unexpected(prepared.error());
    return commit(std::move(*prepared), timeout);
}

void EventIntake::submit_async(std::string body, storage::EventSource source, Done done) {
    const std::size_t capacity = body.capacity();
    auto prepared = prepare(body, capacity, source, &body);
    if (!prepared) {
        done(tl::unexpected(prepared.error()));
        return;
    }
    commit_async(std::move(*prepared), std::move(done));
}

void EventIntake::submit_record_async(std::string event_id, std::string_view event_type,
                                      std::string raw, storage::EventSource source, Done done) {
    commit_async(
        Prepared{make_record(std::move(event_id), event_type, std::move(raw), source), true, {}},
        std::move(done));
}

storage::JournalEntry EventIntake::make_record(std::string event_id, std::string_view event_type,
                                               std::string raw, storage::EventSource source) {
    storage::JournalEntry entry;
    entry.received_at = m_clock.now();
    entry.source = source;
    entry.event_id = std::move(event_id);
    entry.event_type = std::string(event_type);
    entry.publisher_id = "shiplog";
    entry.resource_version = "1";
    entry.created_date = entry.received_at;
    entry.raw = std::move(raw);
    return entry;
}

Result<IntakeResult> EventIntake::submit_record(std::string event_id, std::string_view event_type,
                                                std::string raw, storage::EventSource source,
                                                std::chrono::milliseconds timeout) {
    return commit(
        Prepared{make_record(std::move(event_id), event_type, std::move(raw), source), true, {}},
        timeout);
}

Result<IntakeResult> EventIntake::commit(Prepared prepared, std::chrono::milliseconds timeout) {
    const std::string event_type = prepared.entry.event_type;
    const EventKind kind = prepared.kind;
    std::string event_id = prepared.entry.event_id;
    auto future = m_writer.submit(std::move(prepared.entry));
    if (future.wait_for(timeout) != std::future_status::ready) {
        if (m_metrics) m_metrics->record_event(kind, EventOutcome::unavailable);
        return fail(ErrorCode::unavailable, "the store did not commit the event within " +
                                                std::to_string(timeout.count()) + " ms");
    }
    return finish(std::move(event_id), event_type, kind, prepared.tracked,
                  std::move(prepared.reason), future.get());
}

void EventIntake::commit_async(Prepared prepared, Done done) {
    // The id and type are kept before the entry moves into the writer; the
    // callback runs on the syncer thread and only shapes the answer.
    std::string id = prepared.entry.event_id;
    std::string type = prepared.entry.event_type;
    m_writer.submit_async(
        std::move(prepared.entry),
        [this, kind = prepared.kind, tracked = prepared.tracked,
         reason = std::move(prepared.reason), id = std::move(id), type = std::move(type),
         done = std::move(done)](Result<storage::AppendResult> appended) mutable {
            done(
                finish(std::move(id), type, kind, tracked, std::move(reason), std::move(appended)));
        });
}

Result<IntakeResult> EventIntake::finish(std::string event_id, const std::string& event_type,
                                         EventKind kind, bool tracked, std::string reason,
                                         Result<storage::AppendResult> appended) {
    IntakeResult result;
    result.event_id = std::move(event_id);
    result.event_type = event_type;
    result.kind = kind;
    if (!appended) {
        if (appended.error().code == ErrorCode::store_full && !m_store_full.exchange(true))
            spdlog::error("store full: {} (webhook answers 503 until space is freed)",
                          appended.error().message);
        if (m_metrics) m_metrics->record_event(kind, EventOutcome::unavailable);
        return tl::unexpected(appended.error());
    }
    if (m_store_full.exchange(false)) spdlog::info("store writable again");
    result.seq = appended->seq;
    if (appended->outcome == storage::AppendOutcome::duplicate)
        result.status = IntakeStatus::duplicate;
    else
        result.status = tracked ? IntakeStatus::stored : IntakeStatus::ignored;
    if (result.status == IntakeStatus::ignored) result.reason = std::move(reason);
    if (m_metrics) {
        m_metrics->record_event(kind, result.status == IntakeStatus::stored ? EventOutcome::stored
                                      : result.status == IntakeStatus::duplicate
                                          ? EventOutcome::duplicate
                                          : EventOutcome::ignored);
    }
    return result;
}

}  // namespace shiplog::daemon
