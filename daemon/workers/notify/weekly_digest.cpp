#include "workers/notify/weekly_digest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/cli_time.hpp"
#include "common/json.hpp"
#include "common/time_format.hpp"
#include "storage/write.hpp"
#include "tracking/dora.hpp"

namespace shiplog::daemon {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr days k_window{7};

sys_days monday_of(Timestamp t) {
    const sys_days day = std::chrono::floor<days>(t);
    const unsigned iso = std::chrono::weekday(day).iso_encoding();  // 1 = Monday
    return day - days{iso - 1};
}

// The deployments a target's digest covers, in config order.
std::vector<std::string> digest_deployments(const config::Config& config,
                                            const config::NotifyConfig& target) {
    std::vector<std::string> out;
    for (const auto& d : config.deployments)
        if (target.wants_deployment(d.name) &&
            std::find(out.begin(), out.end(), d.name) == out.end())
            out.push_back(d.name);
    return out;
}

std::optional<double> minus(const std::optional<double>& a, const std::optional<double>& b) {
    if (!a || !b) return std::nullopt;
    return *a - *b;
}

std::string number(const std::optional<double>& v, bool rate) {
    if (!v) return "null";
    return rate ? tracking::format_rate(*v) : tracking::format_seconds(*v);
}

std::string signed_text(double v, const std::string& magnitude) {
    return (v > 0 ? "+" : v < 0 ? "-" : "±") + magnitude;
}

std::string duration_change(const std::optional<double>& now, const std::optional<double>& was) {
    if (!now) return "no data";
    std::string out = format_duration(std::chrono::seconds{std::llround(*now)});
    if (!was) return out + " (no data the week before)";
    const double d = *now - *was;
    return out + " (" +
           signed_text(d, format_duration(std::chrono::seconds{std::llround(std::fabs(d))})) + ")";
}

std::string percent_change(const std::optional<double>& now, const std::optional<double>& was) {
    if (!now) return "no data";
    std::string out = format_percent(*now);
    if (!was) return out + " (no data the week before)";
    const double d = *now - *was;
    std::string points = format_percent(std::fabs(d));  // "2.5%"
    points.pop_back();
    return out + " (" + signed_text(d, points + " pts") + ")";
}

std::string deploys_change(std::int64_t now, std::int64_t was) {
    const auto d = now - was;
    return std::to_string(now) + " deploys (" +
           signed_text(static_cast<double>(d), std::to_string(d < 0 ? -d : d)) + ")";
}

}  // namespace

std::string iso_week_of(Timestamp t) {
    const sys_days thursday = monday_of(t) + days{3};
    const std::chrono::year_month_day ymd(thursday);
    const sys_days jan1 = sys_days(ymd.year() / std::chrono::January / 1);
    const long week = (thursday - jan1).count() / 7 + 1;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%d-W%02ld", static_cast<int>(ymd.year()), week);
    return buf;
}

std::optional<DigestWeek> digest_due(Timestamp now, int weekday, int minute) {
    const Timestamp scheduled =
        Timestamp(monday_of(now) + days{weekday}) + std::chrono::minutes{minute};
    if (now < scheduled) return std::nullopt;
    return DigestWeek{iso_week_of(scheduled), scheduled};
}

Result<storage::OutboxMessage> digest_message(storage::Txn& txn, const tracking::Tables& tables,
                                              const config::Config& config,
                                              const config::NotifyConfig& target,
                                              const DigestWeek& week, Timestamp now) {
    const Timestamp until = week.scheduled;
    const Timestamp since = until - k_window;
    const Timestamp previous_since = since - k_window;

    storage::OutboxMessage m;
    m.event_id = "digest.weekly:" + target.name + ":" + week.iso_week;
    m.target = target.name;
    m.event = "digest.weekly";
    m.occurred_at = week.scheduled;
    m.queued_at = now;

    json::Writer rows;
    rows.begin_array();
    std::string summary;
    for (const auto& deployment : digest_deployments(config, target)) {
        tracking::DoraQuery query;
        query.deployment = deployment;
        query.explain = false;
        query.since = since;
        query.until = until;
        auto current = tracking::query_dora(txn, tables, config, query);
        if (!current) return tl::unexpected(current.error());
        query.since = previous_since;
        query.until = since;
        auto previous = tracking::query_dora(txn, tables, config, query);
        if (!previous) return tl::unexpected(previous.error());
        const auto& c = *current;
        const auto& p = *previous;

        rows.begin_object().field("deployment", deployment);
        rows.key("current").raw(tracking::dora_json(c));
        rows.key("previous").raw(tracking::dora_json(p));
        rows.key("change").begin_object().field("deploys", c.deploys - p.deploys);
        rows.key("deploys_per_day").raw(number(minus(c.deploys_per_day, p.deploys_per_day), true));
        rows.key("lead_time_median_seconds")
            .raw(number(minus(c.lead_time_median, p.lead_time_median), false));
        rows.key("change_failure_rate")
            .raw(number(minus(c.change_failure_rate, p.change_failure_rate), true));
        rows.key("time_to_restore_median_seconds")
            .raw(number(minus(c.time_to_restore_median, p.time_to_restore_median), false));
        rows.end_object().end_object();

        if (!summary.empty()) summary += "\n";
        summary +=
            deployment + ": " + deploys_change(c.deploys, p.deploys) + ", lead time " +
            duration_change(c.lead_time_median, p.lead_time_median) + ", change failure rate " +
            percent_change(c.change_failure_rate, p.change_failure_rate) + ", time to restore " +
            duration_change(c.time_to_restore_median, p.time_to_restore_median);
    }
    rows.end_array();
    json::Writer subject;
    subject.begin_object()
        .field("week", week.iso_week)
        .field("since", format_rfc3339(since))
        .field("until", format_rfc3339(until))
        .field("previous_since", format_rfc3339(previous_since));
    subject.key("deployments").raw(rows.str()).end_object();
    m.subject = subject.take();
    m.summary = summary.empty() ? std::string("no deployments") : summary;
    return m;
}

WeeklyDigest::WeeklyDigest(storage::Store& store, storage::JournalWriter& writer,
                           storage::Outbox outbox, const tracking::Tables& tables,
                           ConfigSource config, Clock& clock, LogFunction log, Options options)
    : m_store(store),
      m_writer(writer),
      m_outbox(outbox),
      m_tables(tables),
      m_config(std::move(config)),
      m_clock(clock),
      m_log(std::move(log)),
      m_options(options) {
    if (m_options.start_thread) m_thread = std::thread([this] { run(); });
}

WeeklyDigest::~WeeklyDigest() {
    stop();
}

void WeeklyDigest::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void WeeklyDigest::run() {
    for (;;) {
        check();
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_for(lock, m_options.poll, [this] { return m_stopping; })) return;
    }
}

void WeeklyDigest::check() {
    auto config = m_config();
    if (!config) return;
    const Timestamp now = m_clock.now();
    struct Due {
        const config::NotifyConfig* target;
        DigestWeek week;
    };
    std::vector<Due> due;
    for (const auto& n : config->notify) {
        if (!n.wants("digest.weekly")) continue;
        auto week = digest_due(now, n.digest_weekday, n.digest_minute);
        if (week && !m_done.contains(n.name + "\n" + week->iso_week)) due.push_back({&n, *week});
    }
    if (due.empty()) return;
    std::vector<std::string> queued, before;
    auto done = m_writer.run_exclusive([&]() -> Status {
        return storage::write(m_store, "queue the weekly digest", [&](storage::Txn& txn) -> Status {
            for (const auto& d : due) {
                auto message = digest_message(txn, m_tables, *config, *d.target, d.week, now);
                if (!message) return tl::unexpected(message.error());
                auto fresh = m_outbox.enqueue(txn, *message);
                if (!fresh) return tl::unexpected(fresh.error());
                (*fresh ? queued : before).push_back(message->event_id);
            }
            return {};
        });
    });
    auto status = done.get();
    if (!status) {
        if (m_log) m_log(LogLevel::error, "weekly digest: " + status.error().message);
        return;  // tried again at the next check
    }
    for (const auto& d : due) m_done.insert(d.target->name + "\n" + d.week.iso_week);
    if (!m_log) return;
    for (const auto& id : queued) m_log(LogLevel::info, "notify: queued " + id);
    // Once per run and week: why a restarted daemon sends no digest.
    for (const auto& id : before) m_log(LogLevel::info, "notify: " + id + " was queued before");
}

}  // namespace shiplog::daemon
