#include "workers/notify/notify_sender.hpp"

#include <httplib.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/write.hpp"
#include "workers/notify/notify_payload.hpp"

namespace shiplog::daemon {

namespace {

constexpr std::size_t k_batch = 64;  // messages read per pass

std::string describe(const config::NotifyConfig& target) {
    return "notify " + target.name + " (" + config::to_string(target.kind) + ", " + target.host +
           ")";
}

// "https://host:port" and "/path?query" of a webhook URL; credentials in the
// authority are dropped (incoming webhooks carry their token in the path).
std::pair<std::string, std::string> split_url(const std::string& url) {
    const std::size_t scheme_end = url.find("://");
    const std::size_t authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    std::size_t path_start = url.find_first_of("/?#", authority_start);
    if (path_start == std::string::npos) path_start = url.size();
    std::string authority = url.substr(authority_start, path_start - authority_start);
    if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    std::string scheme = url.substr(0, authority_start);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string path = url.substr(path_start);
    if (auto hash = path.find('#'); hash != std::string::npos) path.erase(hash);
    if (path.empty() || path[0] != '/') path.insert(0, "/");
    return {scheme + authority, path};
}

}  // namespace

NotifySender::NotifySender(storage::Store& store, storage::JournalWriter& writer,
                           storage::Outbox outbox, ConfigSource config, Clock& clock,
                           LogFunction log, Options options)
    : m_store(store),
      m_writer(writer),
      m_outbox(outbox),
      m_config(std::move(config)),
      m_clock(clock),
      m_log(std::move(log)),
      m_options(options) {
    m_thread = std::thread([this] { run(); });
}

NotifySender::~NotifySender() {
    stop();
}

void NotifySender::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void NotifySender::run() {
    for (;;) {
        pass();
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_for(lock, m_options.poll, [this] { return m_stopping; })) return;
    }
}

void NotifySender::pass() {
    auto queued = storage::read(m_store, "count the notification outbox",
                                [&](storage::Txn& txn) { return m_outbox.size(txn); });
    if (m_options.metrics && queued) m_options.metrics->set_notify_queued(*queued);
    if (queued && *queued == 0) return;
    // Page through the whole outbox, so a target that is backing off does
    // not hold up the messages of the others behind its own.
    std::uint64_t after = 0;
    for (;;) {
        auto rows = storage::read(m_store, "read the notification outbox", [&](storage::Txn& txn) {
            return m_outbox.pending(txn, k_batch, after);
        });
        if (!rows) {
            log(LogLevel::error, rows.error().message);
            return;
        }
        if (rows->empty()) return;
        after = rows->back().seq;
        if (!send(*rows)) return;
    }
}

bool NotifySender::send(const std::vector<storage::OutboxRow>& rows) {
    auto config = m_config();
    for (const auto& row : rows) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) return false;
        }
        const auto& message = row.message;
        const Timestamp now = m_clock.now();
        const config::NotifyConfig* target = nullptr;
        if (config)
            for (const auto& n : config->notify)
                if (n.name == message.target) target = &n;
        if (now - message.queued_at > m_options.give_up) {
            if (remove(row.seq, message.target, storage::OutboxOutcome::given_up)) {
                if (m_options.metrics) m_options.metrics->record_notify_given_up();
                log(LogLevel::error, "notify " + message.target + ": gave up on " +
                                         message.event_id + " after " +
                                         std::to_string(m_options.give_up.count()) + " h unsent");
            }
            continue;
        }
        if (!target) continue;  // not configured now: wait for a reload or the give-up
        auto& backoff = m_backoff[target->name];
        if (backoff.failures > 0 && now < backoff.next) continue;

        std::string error;
        const int status = post(*target, message, error);
        if (status >= 200 && status < 300) {
            backoff = Backoff{};
            if (remove(row.seq, target->name, storage::OutboxOutcome::sent)) {
                if (m_options.metrics) m_options.metrics->record_notify_sent();
                log(LogLevel::info, describe(*target) + ": sent " + message.event_id);
            }
            continue;
        }
        ++backoff.failures;
        auto delay = m_options.first_retry;
        for (int i = 1; i < backoff.failures && delay < m_options.max_retry; ++i) delay *= 2;
        delay = std::min(delay, m_options.max_retry);
        backoff.next = m_clock.now() + delay;
        if (m_options.metrics) m_options.metrics->record_notify_failed();
        tally_failure(target->name);
        log(LogLevel::warn,
            describe(*target) + ": " + message.event_id + " not delivered (" +
                (status < 0 ? error : "HTTP " + std::to_string(status)) + "); retry in " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(delay).count()) +
                " s");
    }
    return true;
}

int NotifySender::post(const config::NotifyConfig& target, const storage::OutboxMessage& message,
                       std::string& error) {
    if (m_options.metrics) m_options.metrics->record_notify_attempt();
    auto [origin, path] = split_url(target.url.reveal());
    httplib::Client client(origin);
    client.set_connection_timeout(m_options.connect_timeout);
    client.set_read_timeout(m_options.read_timeout);
    client.set_write_timeout(m_options.read_timeout);
    client.enable_server_certificate_verification(true);
    client.set_follow_location(false);  // a redirect is a failure, not a hop with our message
    httplib::Headers headers{{"Idempotency-Key", message.event_id},
                             {"User-Agent", "shiplog-notify"}};
    auto res = client.Post(path, headers, notify_body(target.kind, message), "application/json");
    if (!res) {
        error = httplib::to_string(res.error());
        return -1;
    }
    return res->status;
}

bool NotifySender::remove(std::uint64_t seq, const std::string& target,
                          storage::OutboxOutcome outcome) {
    auto done = m_writer.run_exclusive([this, seq, &target, outcome]() -> Status {
        return storage::write(m_store, "remove a sent notification",
                              [&](storage::Txn& txn) -> Status {
                                  if (auto s = m_outbox.remove(txn, seq); !s) return s;
                                  return m_outbox.count(txn, target, outcome);
                              });
    });
    auto status = done.get();
    if (!status) {
        log(LogLevel::error, status.error().message);
        return false;
    }
    return true;
}

void NotifySender::tally_failure(const std::string& target) {
    // At most one write per target per backoff period (10 s and more).
    auto done = m_writer.run_exclusive([this, &target]() -> Status {
        return storage::write(m_store, "count a failed notification", [&](storage::Txn& txn) {
            return m_outbox.count(txn, target, storage::OutboxOutcome::failed);
        });
    });
    if (auto status = done.get(); !status) log(LogLevel::error, status.error().message);
}

}  // namespace shiplog::daemon
