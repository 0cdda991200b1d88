// Webhook cost against the length of history: one `push` deployment whose
// series grows to --deploys pushes, ingested through the real path (the
// JournalWriter with tracking's Projector as its observer: journal append,
// projection, commit, fdatasync), then at each checkpoint (100, 10,000,
// 100,000 deploys of history by default) --probe more pushes submitted one
// at a time, each waiting for its acknowledgement, like a webhook request
// over a keep-alive connection. Reports, per checkpoint, the median and p90
// of the end-to-end time per event and of the projection alone (the
// observer's on_append, timed on the writer thread), and the ingest rate of
// the history itself (pushes submitted --window at a time, as concurrent
// requests would be batched). No HTTP: the request path around it does not
// depend on history (docs/performance.md, "Cost against history"). Last,
// `reindex` of the journal it wrote, in events/s, with its CPU time and its
// peak anonymous memory (RssAnon sampled every 50 ms: the file pages of the
// memory-mapped store count in RSS but are the page cache's, not the heap).
//
// --incident-every N adds, after every N-th push of the history, an incident
// (a Bug tagged "incident", created 5 minutes after the push, closed an hour
// later: two work-item events), so that the probes run on a project with
// years of incidents behind it; 0 (the default) adds none.
//
// --reindex-only writes the --deploys pushes to the journal without
// projecting them (the writer with no observer: what a restored backup or a
// layout change leaves) and measures only the reindex, for journals of a
// million events. --derive-chunk sets reindex's deploys per derivation
// transaction (default tracking::k_reindex_derive_chunk; a number above the
// series' length derives it in one transaction, as reindex did before).
//
//   shiplog_history_bench --dir DIR [--deploys 100000] [--checkpoints 100,10000,100000]
//                         [--probe 300] [--window 256] [--commits 5] [--reindex-only 1]
//                         [--derive-chunk N] [--incident-every N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "common/clock.hpp"
#include "common/time_format.hpp"
#include "config/config.hpp"
#include "storage/journal_writer.hpp"
#include "storage/store.hpp"
#include "tracking/projector.hpp"

namespace {

using namespace shiplog;
using Steady = std::chrono::steady_clock;

std::string sha(std::uint64_t n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "%08llx%032llx",
                  static_cast<unsigned long long>(n * 2654435761ULL & 0xffffffffULL),
                  static_cast<unsigned long long>(n));
    return buf;
}

const Timestamp k_start = Timestamp{std::chrono::seconds{1'700'000'000}};

// Push number n (1-based): commits (n-1)*c+1 .. n*c on main, 10 minutes apart.
std::string push_body(std::uint64_t n, int commits) {
    const Timestamp at = k_start + std::chrono::minutes{10 * n};
    const std::string old_sha =
        n == 1 ? std::string(40, '0') : sha((n - 1) * static_cast<std::uint64_t>(commits));
    const std::string new_sha = sha(n * static_cast<std::uint64_t>(commits));
    std::ostringstream r;
    r << "{\"id\":\"push-" << n << "\",\"eventType\":\"git.push\",\"publisherId\":\"tfs\","
      << "\"resourceVersion\":\"1.0\",\"createdDate\":\"" << format_rfc3339(at) << "\","
      << "\"resource\":{\"repository\":{\"id\":\"3c4b7a0e-0000-4000-8000-000000000001\","
      << "\"name\":\"web-api\",\"project\":{\"id\":\"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c\","
      << "\"name\":\"Contoso\"}},\"pushId\":" << n << ",\"date\":\"" << format_rfc3339(at)
      << "\",\"pushedBy\":{\"uniqueName\":\"dev@example.com\"},\"refUpdates\":[{\"name\":"
      << "\"refs/heads/main\",\"oldObjectId\":\"" << old_sha << "\",\"newObjectId\":\"" << new_sha
      << "\"}],\"commits\":[";
    for (int i = commits; i >= 1; --i) {  // newest first, as Azure DevOps lists them
        const std::string c =
            sha((n - 1) * static_cast<std::uint64_t>(commits) + static_cast<std::uint64_t>(i));
        const std::string when = format_rfc3339(at - std::chrono::minutes{i});
        r << "{\"commitId\":\"" << c << "\",\"author\":{\"name\":\"Dev\",\"email\":"
          << "\"dev@example.com\",\"date\":\"" << when << "\"},\"committer\":{\"name\":\"Dev\","
          << "\"email\":\"dev@example.com\",\"date\":\"" << when << "\"},\"comment\":\"change "
          << c.substr(32) << " AB#" << (n % 97) << "\"}" << (i > 1 ? "," : "");
    }
    r << "]}}";
    return r.str();
}

// Incident number k (1-based) of the history, opened after push n: the
// workitem.created event, or the workitem.updated one that closes it.
storage::JournalEntry incident_entry(std::uint64_t k, std::uint64_t n, bool closing) {
    const Timestamp created = k_start + std::chrono::minutes{10 * n + 5};
    const Timestamp when = closing ? created + std::chrono::hours{1} : created;
    const std::string id = std::to_string(100'000 + k);
    const std::string rev = closing ? "2" : "1";
    const std::string fields =
        "{\"System.AreaPath\":\"Contoso\",\"System.TeamProject\":\"Contoso\","
        "\"System.WorkItemType\":\"Bug\",\"System.State\":\"" +
        std::string(closing ? "Closed" : "New") +
        "\",\"System.Tags\":\"incident\",\"System.Title\":\"outage\","
        "\"System.CreatedDate\":\"" +
        format_rfc3339(created) + "\",\"System.ChangedDate\":\"" + format_rfc3339(when) + "\"}";
    const std::string revision =
        "{\"id\":" + id + ",\"rev\":" + rev + ",\"fields\":" + fields + ",\"relations\":[]}";
    const std::string resource = closing
                                     ? "{\"id\":2,\"workItemId\":" + id +
                                           ",\"rev\":2,\"fields\":{},\"revision\":" + revision + "}"
                                     : revision;
    storage::JournalEntry e;
    e.event_id = "incident-" + id + "-" + rev;
    e.event_type = closing ? "workitem.updated" : "workitem.created";
    e.publisher_id = "tfs";
    e.resource_version = "1.0";
    e.created_date = when;
    e.raw = "{\"id\":\"" + e.event_id + "\",\"eventType\":\"" + e.event_type +
            "\",\"publisherId\":\"tfs\",\"resourceVersion\":\"1.0\",\"createdDate\":\"" +
            format_rfc3339(when) + "\",\"resource\":" + resource + "}";
    return e;
}

storage::JournalEntry push_entry(std::uint64_t n, int commits) {
    storage::JournalEntry e;
    e.event_id = "push-" + std::to_string(n);
    e.event_type = "git.push";
    e.publisher_id = "tfs";
    e.resource_version = "1.0";
    e.created_date = k_start + std::chrono::minutes{10 * n};
    e.raw = push_body(n, commits);
    return e;
}

// Times the projection on the writer thread.
class TimedObserver final : public storage::AppendObserver {
  public:
    explicit TimedObserver(tracking::Projector& inner) : m_inner(inner) {}
    Status on_append(lmdb::txn& txn, const storage::JournalEntry& entry) override {
        const auto t0 = Steady::now();
        auto s = m_inner.on_append(txn, entry);
        const auto t1 = Steady::now();
        std::lock_guard lock(m_mutex);
        m_last = std::chrono::duration<double, std::milli>(t1 - t0).count();
        return s;
    }
    double last() {
        std::lock_guard lock(m_mutex);
        return m_last;
    }

  private:
    tracking::Projector& m_inner;
    std::mutex m_mutex;
    double m_last = 0;
};

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// A line of /proc/self/status, in kB ("RssAnon", "VmHWM"); 0 when absent.
std::uint64_t status_kb(const char* field) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return 0;
    char line[256];
    std::uint64_t kb = 0;
    const std::size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f) != nullptr)
        if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = std::strtoull(line + n + 1, nullptr, 10);
            break;
        }
    std::fclose(f);
    return kb;
}

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return s(u.ru_utime) + s(u.ru_stime);
}

// Samples RssAnon while it lives, keeping the peak.
class AnonPeak {
  public:
    AnonPeak()
        : m_thread([this] {
              while (!m_stop.load()) {
                  m_peak = std::max<std::uint64_t>(m_peak.load(), status_kb("RssAnon"));
                  std::this_thread::sleep_for(std::chrono::milliseconds(50));
              }
          }) {}
    ~AnonPeak() { stop(); }
    std::uint64_t stop() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        return std::max<std::uint64_t>(m_peak.load(), status_kb("RssAnon"));
    }

  private:
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_peak{0};
    std::thread m_thread;
};

std::vector<std::uint64_t> parse_list(const std::string& s) {
    std::vector<std::uint64_t> out;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, ',');) out.push_back(std::stoull(part));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    std::uint64_t deploys = 100'000, probe = 300, window = 256, incident_every = 0;
    int commits = 5;
    bool reindex_only = false;
    std::size_t derive_chunk = tracking::k_reindex_derive_chunk;
    std::vector<std::uint64_t> checkpoints = {100, 10'000, 100'000};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--dir")
            dir = v;
        else if (a == "--deploys")
            deploys = std::stoull(v);
        else if (a == "--checkpoints")
            checkpoints = parse_list(v);
        else if (a == "--probe")
            probe = std::stoull(v);
        else if (a == "--window")
            window = std::stoull(v);
        else if (a == "--commits")
            commits = std::stoi(v);
        else if (a == "--reindex-only")
            reindex_only = v != "0";
        else if (a == "--derive-chunk")
            derive_chunk = std::stoull(v);
        else if (a == "--incident-every")
            incident_every = std::stoull(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: shiplog_history_bench --dir DIR [--deploys N] ...\n");
        return 2;
    }
    std::filesystem::remove_all(dir);
    auto store = storage::Store::open({dir, std::size_t{64} << 30, false});
    if (!store) {
        std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
        return 1;
    }
    auto config = std::make_shared<config::Config>();
    config::DeploymentConfig d;  // branch main, trigger push: the defaults
    d.name = d.repository = "web-api";
    d.environment = "production";
    d.project = "Contoso";
    config->deployments.push_back(d);
    auto projector = tracking::Projector::open(**store, [config] { return config; });
    if (!projector) {
        std::fprintf(stderr, "projector: %s\n", projector.error().message.c_str());
        return 1;
    }
    TimedObserver observer(**projector);
    auto writer =
        storage::JournalWriter::start(**store, system_clock(), reindex_only ? nullptr : &observer);
    if (reindex_only) checkpoints = {deploys};

    std::printf("| history (deploys) | per event p50 ms | p90 ms | projection p50 ms | p90 ms |\n");
    std::printf("| ---: | ---: | ---: | ---: | ---: |\n");
    std::uint64_t n = 0;
    double ingest_seconds = 0;
    std::uint64_t ingested = 0;
    std::uint64_t incidents = 0;  // work-item events among the history's
    auto fail = [](const Error& e) {
        std::fprintf(stderr, "submit: %s\n", e.message.c_str());
        return 1;
    };
    std::sort(checkpoints.begin(), checkpoints.end());
    for (auto checkpoint : checkpoints) {
        if (checkpoint > deploys) break;
        // History up to the checkpoint, `window` concurrent submissions at a time.
        const auto t0 = Steady::now();
        const std::uint64_t before = n;
        while (n < checkpoint) {
            std::vector<std::future<Result<storage::AppendResult>>> pending;
            for (std::uint64_t i = 0; i < window && n < checkpoint; ++i) {
                pending.push_back(writer->submit(push_entry(++n, commits)));
                if (incident_every != 0 && n % incident_every == 0) {
                    const std::uint64_t k = n / incident_every;
                    pending.push_back(writer->submit(incident_entry(k, n, false)));
                    pending.push_back(writer->submit(incident_entry(k, n, true)));
                    incidents += 2;
                }
            }
            for (auto& f : pending)
                if (auto r = f.get(); !r) return fail(r.error());
        }
        ingest_seconds += std::chrono::duration<double>(Steady::now() - t0).count();
        ingested += n - before;
        if (reindex_only) {
            std::printf("| %llu | (journal only) | | | |\n",
                        static_cast<unsigned long long>(checkpoint));
            continue;
        }
        // Probes: one at a time, each acknowledged before the next.
        std::vector<double> total, projection;
        for (std::uint64_t i = 0; i < probe; ++i) {
            const auto p0 = Steady::now();
            if (auto r = writer->submit(push_entry(++n, commits)).get(); !r) return fail(r.error());
            total.push_back(std::chrono::duration<double, std::milli>(Steady::now() - p0).count());
            projection.push_back(observer.last());
        }
        std::printf("| %llu | %.2f | %.2f | %.3f | %.3f |\n",
                    static_cast<unsigned long long>(checkpoint), quantile(total, 0.5),
                    quantile(total, 0.9), quantile(projection, 0.5), quantile(projection, 0.9));
        std::fflush(stdout);
    }
    writer->stop();
    const auto stats = writer->stats();
    std::printf(
        "\nhistory ingest: %llu pushes (%d commits each) and %llu work-item events in %.1f s = "
        "%.0f events/s (%llu batches, %llu observer failures)\n",
        static_cast<unsigned long long>(ingested), commits,
        static_cast<unsigned long long>(incidents), ingest_seconds,
        static_cast<double>(ingested + incidents) / ingest_seconds,
        static_cast<unsigned long long>(stats.batches),
        static_cast<unsigned long long>(stats.observer_failures));
    if (stats.observer_failures != 0) return 1;

    // reindex of the same journal: every entry replayed, every series derived once.
    const std::uint64_t anon_before = status_kb("RssAnon");
    AnonPeak anon;
    const double c0 = cpu_seconds();
    const auto r0 = Steady::now();
    // The replay of the facts ends with the last entry's progress call; the
    // derivation of the series follows.
    double facts_seconds = 0, facts_cpu = 0;
    auto progress = [&](std::uint64_t done, std::uint64_t total) {
        if (done != total) return;
        facts_seconds = std::chrono::duration<double>(Steady::now() - r0).count();
        facts_cpu = cpu_seconds() - c0;
    };
    if (auto s = tracking::reindex(**store, *config, progress, derive_chunk); !s) {
        std::fprintf(stderr, "reindex: %s\n", s.error().message.c_str());
        return 1;
    }
    const double reindex_seconds = std::chrono::duration<double>(Steady::now() - r0).count();
    const double reindex_cpu = cpu_seconds() - c0;
    const std::uint64_t anon_peak = anon.stop();
    std::printf(
        "reindex: %llu journal entries in %.1f s (%.2f min) = %.0f events/s; CPU %.2f s = %.0f "
        "events per CPU second; RssAnon %.1f MiB before, peak %.1f MiB; process VmHWM %.1f MiB; "
        "facts replay %.1f s (CPU %.1f s), derivation %.1f s (CPU %.1f s)\n",
        static_cast<unsigned long long>(n), reindex_seconds, reindex_seconds / 60,
        static_cast<double>(n) / reindex_seconds, reindex_cpu, static_cast<double>(n) / reindex_cpu,
        static_cast<double>(anon_before) / 1024, static_cast<double>(anon_peak) / 1024,
        static_cast<double>(status_kb("VmHWM")) / 1024, facts_seconds, facts_cpu,
        reindex_seconds - facts_seconds, reindex_cpu - facts_cpu);
    return 0;
}
