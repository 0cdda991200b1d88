// `shiplog serve`: the daemon's lifecycle. Threads, each with one job:
//   main      - binds, then becomes the signal thread: waits for
//               SIGTERM/SIGINT (stop) and SIGHUP (reload);
//   http      - runs the HTTP server's accept loop until stopped;
//   watchdog  - pings systemd's watchdog and refreshes STATUS=;
//   writer    - the journal's group-commit thread (storage::JournalWriter);
//   workers   - the HTTP pool.
// Signals are blocked before any thread starts so only the signal thread
// receive them (in sigwait); RAII closes the store at the end.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "azure/hook_sync_worker.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/event_intake.hpp"
#include "daemon/http_server.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics.hpp"
#include "daemon/notifier.hpp"
#include "daemon/projection_sync.hpp"
#include "daemon/readiness.hpp"
#include "daemon/reload.hpp"
#include "daemon/work_queue_runner.hpp"
#include "runtime/startup.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "storage/write.hpp"
#include "tracking/projector.hpp"
#include "workers/backfill.hpp"
#include "workers/backfill_worker.hpp"
#include "workers/notify/hook_health.hpp"
#include "workers/notify/notify_sender.hpp"
#include "workers/notify/weekly_digest.hpp"

namespace shiplog::daemon {
namespace {

constexpr std::chrono::seconds k_status_interval{10};

sigset_t lifecycle_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);  // internal: wakes the signal thread at shutdown
    return set;
}

// Pings the watchdog at the interval systemd asked for, until stopped.
class WatchdogLoop {
  public:
    WatchdogLoop(Notifier& notifier, std::function<std::string()> status_line)
        : m_notifier(notifier), m_status_line(std::move(status_line)) {
        // STATUS= is refreshed even without a watchdog, so `systemctl status` shows it.
        auto watchdog = m_notifier.watchdog_interval();
        m_ping = watchdog.has_value();
        auto interval = watchdog.value_or(std::chrono::microseconds{k_status_interval});
        m_thread = std::thread([this, interval] { loop(interval); });
    }
    ~WatchdogLoop() { stop(); }

    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_cv.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }

  private:
    void loop(std::chrono::microseconds interval) {
        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
            lock.unlock();
            if (m_ping) m_notifier.watchdog();
            m_notifier.status(m_status_line());
            lock.lock();
            m_cv.wait_for(lock, interval, [this] { return m_stopping; });
        }
    }

    Notifier& m_notifier;
    std::function<std::string()> m_status_line;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopping = false;
    bool m_ping = false;
    std::thread m_thread;
};

// What STATUS= says about the last SIGHUP: the reason it failed, until a
// later reload succeeds. systemd shows STATUS= in `systemctl status`, which is
// where an operator looks after `systemctl reload` (that command itself
// reports success: the old config stays in force, docs/operations.md).
// Threading: set by the signal thread, read by the watchdog thread.
class ReloadOutcome {
  public:
    // `what` is one line already (Error messages are); kept short for STATUS=.
    void failed(std::string what) {
        if (what.size() > k_max_length) {
            std::size_t cut = k_max_length;
            while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xc0) == 0x80)
                --cut;  // not inside a UTF-8 sequence
            what = what.substr(0, cut) + "...";
        }
        std::lock_guard lock(m_mutex);
        m_failure = std::move(what);
    }
    void succeeded() {
        std::lock_guard lock(m_mutex);
        m_failure.clear();
    }
    // "" when the last reload succeeded (or there was none).
    std::string status_suffix() const {
        std::lock_guard lock(m_mutex);
        return m_failure.empty() ? std::string() : "; " + m_failure;
    }

  private:
    static constexpr std::size_t k_max_length = 300;
    mutable std::mutex m_mutex;
    std::string m_failure;
};

}  // namespace

int run_serve(const std::filesystem::path& config_path) {
    sigset_t signals = lifecycle_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    // Large request bodies (up to max_body_bytes) get their own mappings,
    // returned to the system when freed: glibc's default threshold rises
    // after the first large free, and RSS would then keep every large body
    // a thread ever handled. Above LMDB's 2 MiB dirty-page list, which
    // every nested write transaction allocates: mapping and unmapping that
    // per event cost most of the writer's time (perf, 1 MiB threshold).
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
    // Fixing the threshold also fixes the trim threshold at 128 KiB, and
    // then every freed dirty-page list shrank the heap (madvise, a TLB
    // shootdown per event); keep that much free at the top instead.
    ::mallopt(M_TRIM_THRESHOLD, 16 << 20);

    auto env = config::Environment::process();
    auto notifier = make_systemd_notifier();
    Clock& clock = system_clock();
    Metrics metrics;
    StartupSteps steps;
    steps.check = [](const config::Config& loaded) -> std::optional<Refusal> {
        for (const auto& warning : loaded.warnings) spdlog::warn("config: {}", warning);
        return std::nullopt;
    };
    steps.lock = ServeLockUse::required;
    // Derived data must match the deployments in force before events flow.
    steps.before_sync = [&notifier] {
        notifier->status(
            "checking derived data against the deployments (may rebuild from the journal)");
    };
    steps.clock = &clock;
    steps.metrics = &metrics;
    auto started = start_up(config_path, env, steps);
    if (!started) {
        spdlog::error("{}", started.error().message);
        return 1;
    }
    if (started->rebuilt)
        spdlog::info(
            "deployments changed since the last run: derived data rebuilt from the journal");
    ConfigHolder& config = *started->config;
    const auto initial = config.get();
    storage::Store& store = *started->store;
    storage::JournalWriter* writer = started->writer.get();
    EventIntake& intake = *started->intake;
    // Where the journal ended before this run (nothing is submitted yet):
    // the automatic backfill looks for the last delivery before the
    // downtime at or before it.
    const std::uint64_t seq_at_start = journal_last_seq(store);
    // The projector queues [[notify]] messages there; the sender reads them.
    const storage::Outbox& outbox = started->projector->outbox();
    // What the hook sync last listed of each subscription's health
    // (hooks.unhealthy). Opened before any request or worker uses the store.
    auto hook_health = HookHealthTable::open(store);
    if (!hook_health) {
        spdlog::error("store {}: {}", initial->storage.path.string(), hook_health.error().message);
        return 1;
    }

    HookStatusBoard hook_status;  // the hook sync worker is attached once it runs
    auto server =
        HttpServer::create(*initial, {config, intake, store, *writer, metrics, clock,
                                      started->projector->tables(), &hook_status, &outbox});
    if (!server) {
        spdlog::error("{}", server.error().message);
        return 1;
    }
    spdlog::info("shiplog listening on {} (store {}, {} deployments)", (*server)->url(),
                 initial->storage.path.string(), initial->deployments.size());

    // The HTTP server runs on its own thread; this thread becomes the signal
    // thread once the listener is accepting (a stop() before that is lost).
    pthread_t signal_thread = pthread_self();
    std::atomic<bool> server_ended{false};
    std::thread http_thread([&] {
        (*server)->run();
        server_ended = true;
        pthread_kill(signal_thread, SIGUSR1);  // wake the signal loop if it is still waiting
    });
    (*server)->wait_until_running();

    ReloadOutcome reload_outcome;
    auto status_line = [&] {
        std::string reason;
        bool ready = store_ready(store, intake, reason);
        auto stats = writer->stats();
        return std::to_string(stats.events) + " events stored since start" +
               (ready ? std::string() : "; NOT READY: " + reason) + reload_outcome.status_suffix();
    };
    WatchdogLoop watchdog(*notifier, status_line);
    notifier->ready();

    // docs/azure-devops.md: backfill after downtime and after a subscription was
    // re-enabled, in the background, through this intake (bf).
    BackfillWorker backfill([&config] { return config.get(); }, intake, &metrics, log_line, {});
    azure::HookSyncWorker::Options hook_sync_options;
    hook_sync_options.after_run = [&config, &store, &backfill, seq_at_start, first = true](
                                      bool, std::size_t reenabled) mutable {
        if (!config.get()->azure_devops) return;
        if (std::exchange(first, false) && seq_at_start > 0)
            if (auto since = last_delivery(store, seq_at_start))
                backfill.request(*since, "downtime before start");
        // Missed while on probation or disabled: as far back as Azure DevOps
        // keeps history.
        if (reenabled > 0)
            backfill.request(system_clock().now() - azure::k_notification_history,
                             std::to_string(reenabled) + " subscription(s) re-enabled");
    };
    // A subscription that turned unhealthy is announced once (hooks.unhealthy),
    // in the transaction that notes it.
    hook_sync_options.on_listed = [&config, &store, writer, &outbox, &hook_health,
                                   &clock](const std::vector<azure::Subscription>& listed) {
        auto snapshot = config.get();
        auto done = writer->run_exclusive([&]() -> Status {
            std::size_t turned = 0;
            auto noted =
                storage::write(store, "note hook health", [&](storage::Txn& txn) -> Status {
                    SHIPLOG_TRY_ASSIGN(
                        turned, hook_health->record(txn, outbox, *snapshot, listed, clock.now()));
                    return {};
                });
            if (noted && turned > 0)
                spdlog::warn("{} service-hook subscription(s) turned unhealthy", turned);
            return noted;
        });
        if (auto status = done.get(); !status)
            spdlog::error("hooks.unhealthy: {}", status.error().message);
    };
    // docs/azure-devops.md: serve runs hooks sync at start, on SIGHUP and periodically, in
    // the background; failing to reach Azure DevOps never stops the receiver.
    azure::HookSyncWorker hook_sync([&config] { return config.get(); }, log_line,
                                    std::move(hook_sync_options));
    hook_status.attach(&hook_sync);
    // The REST work queue (build look-ups, commit ranges): answers are
    // journaled through the intake, like any event.
    WorkQueueRunner work_queue(
        store, started->projector->tables(), intake, [&config] { return config.get(); }, log_line,
        [&metrics] {
            WorkQueueRunner::Options options;
            options.metrics = &metrics;
            return options;
        }());

    // [[notify]] deliveries from the outbox the projector fills.
    NotifySender::Options notify_options;
    notify_options.metrics = &metrics;
    NotifySender notify_sender(
        store, *writer, outbox, [&config] { return config.get(); }, clock, log_line,
        notify_options);
    // digest.weekly, queued into the same outbox.
    WeeklyDigest weekly_digest(store, *writer, outbox, started->projector->tables(),
                               [&config] { return config.get(); }, clock, log_line, {});

    bool asked_to_stop = false;
    while (!server_ended) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGHUP) {
            notifier->reloading();
            auto before = projection_fingerprint(*config.get());
            if (auto reloaded = reload_config(config_path, env, config); !reloaded) {
                reload_outcome.failed("RELOAD FAILED, previous config in force: " +
                                      reloaded.error().message);
            } else if (auto edge = (*server)->reload(*config.get()); !edge) {
                // The new config is in force; the listener keeps its old
                // certificate until a reload that can load the new one.
                spdlog::error("reload: {}", edge.error().message);
                reload_outcome.failed("RELOAD INCOMPLETE, TLS certificate not reloaded: " +
                                      edge.error().message);
            } else if (projection_fingerprint(*config.get()) != before) {
                // The writer runs the rebuild between batches: no event is
                // projected against half-rebuilt data.
                auto rebuilt_now = writer->run_exclusive([&]() -> Status {
                    bool done = false;
                    return sync_projections(store, *config.get(), done);
                });
                if (auto status = rebuilt_now.get(); !status) {
                    spdlog::error("rebuilding derived data after reload: {}",
                                  status.error().message);
                    reload_outcome.failed(
                        "RELOAD INCOMPLETE, new config in force but derived data not rebuilt: " +
                        status.error().message);
                } else {
                    spdlog::info("deployments changed: derived data rebuilt from the journal");
                    reload_outcome.succeeded();
                }
            } else {
                reload_outcome.succeeded();
            }
            hook_sync.trigger();
            // STATUS= before READY=1, so systemd has the outcome when the
            // reload job ends.
            notifier->status(status_line());
            notifier->ready();
            continue;
        }
        if (sig == SIGTERM || sig == SIGINT) {
            spdlog::info("received {}, shutting down", strsignal(sig));
            asked_to_stop = true;
            break;
        }
    }
    notifier->stopping();
    (*server)->stop();  // in-flight requests finish; their events are committed below at the latest
    http_thread.join();
    hook_status.detach();
    hook_sync.stop();
    backfill.stop();       // after the hook sync (which requests backfills), before the writer
    work_queue.stop();     // before the writer: it journals answers
    weekly_digest.stop();  // before the writer: it queues through it
    notify_sender.stop();  // before the writer: it removes sent messages through it
    watchdog.stop();
    writer->stop();
    if (!asked_to_stop) {
        // The accept loop ended on its own: exit non-zero so Restart=on-failure restarts us.
        spdlog::error("the HTTP listener stopped unexpectedly; exiting");
        return 1;
    }
    spdlog::info("shiplog stopped");
    return 0;
}

}  // namespace shiplog::daemon
