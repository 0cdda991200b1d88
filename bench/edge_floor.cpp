// The edge's floor: shiplog's HTTP edge (http/, Boost.Beast) serving the
// bench's 6 KB pushes with none of shiplog's work behind it, so bench/run's
// keep-alive cell can be split into "what the HTTP layer costs" and "what
// the durable write costs" (docs/performance.md "The edge's floor").
//
//   shiplog_edge_floor MODE PORT [DIR]
//
// MODE
//   inline  answer 200 on the I/O thread (the HTTP layer alone)
//   hop     hand each request to a "writer" thread that takes the queue in
//           batches, then to a "syncer" thread that answers: the daemon's
//           thread hand-offs with no storage work
//   fsync   as hop, and the writer writes each batch's bodies into a
//           preallocated DIR/floor.log (in place, wrapping at 256 MiB) and
//           fdatasync()s it before handing the batch on: a durable write with
//           no LMDB, no JSON, no deploy tracking
//
// Prints "listening PORT" once accepting; serves until SIGINT/SIGTERM.

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "http/server.hpp"

namespace {

using shiplog::http::Request;
using shiplog::http::Respond;
using shiplog::http::Response;

struct Pending {
    std::string body;
    Respond respond;
};

// A queue one consumer drains whole (the writer's group-commit shape).
class BatchQueue {
  public:
    void push(Pending p) {
        {
            std::lock_guard lock(m_mutex);
            m_items.push_back(std::move(p));
        }
        m_ready.notify_one();
    }
    void push_all(std::vector<Pending>& batch) {
        {
            std::lock_guard lock(m_mutex);
            for (auto& p : batch) m_items.push_back(std::move(p));
        }
        batch.clear();
        m_ready.notify_one();
    }
    // Blocks until something is queued or stop(); false when stopped and empty.
    bool take(std::vector<Pending>& out) {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [&] { return !m_items.empty() || m_stopped; });
        if (m_items.empty()) return false;
        for (auto& p : m_items) out.push_back(std::move(p));
        m_items.clear();
        return true;
    }
    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_stopped = true;
        }
        m_ready.notify_all();
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Pending> m_items;
    bool m_stopped = false;
};

Response stored() {
    Response r;
    r.body = R"({"status":"stored"})";
    return r;
}

constexpr off_t k_log_bytes = 256 << 20;

shiplog::http::Server* g_server = nullptr;

void on_signal(int) {
    if (g_server != nullptr) g_server->stop();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s inline|hop|fsync PORT [DIR]\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    const bool hop = mode == "hop" || mode == "fsync";
    const bool durable = mode == "fsync";
    if (!hop && mode != "inline") {
        std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
        return 2;
    }
    // The daemon batches its access log on a thread of its own; the floor
    // measures the edge, so it logs nothing per request.
    spdlog::set_level(spdlog::level::warn);
    // The same malloc settings as `shiplog serve` (daemon/cli/serve.cpp):
    // without them every freed read buffer shrinks the heap (madvise, a TLB
    // shootdown per request) and the floor measures that instead.
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 16 << 20);
    int log_fd = -1;
    if (durable) {
        const std::string dir = argc > 3 ? argv[3] : ".";
        log_fd = ::open((dir + "/floor.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        // Written in place, like LMDB's pages: an appending file would make
        // every fdatasync commit the file system's journal (the size grows).
        if (log_fd < 0 || ::posix_fallocate(log_fd, 0, k_log_bytes) != 0) {
            std::perror("open");
            return 1;
        }
    }

    BatchQueue to_writer;
    BatchQueue to_syncer;
    shiplog::http::Router router;
    shiplog::http::Route route;
    route.method = "POST";
    route.pattern = "/hooks/{...}";
    route.max_body_bytes = 32 * 1024 * 1024;
    route.execution = shiplog::http::Execution::inline_io;
    route.handler = [&](Request& req, Respond respond) {
        if (!hop) return respond(stored());
        to_writer.push(Pending{std::move(req.body), std::move(respond)});
    };
    router.add(std::move(route));

    shiplog::http::ServerOptions options;
    options.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
    options.limits.max_connections_per_ip = 4096;
    auto server = shiplog::http::Server::create(std::move(options), std::move(router));
    if (!server) {
        std::fprintf(stderr, "%s\n", server.error().message.c_str());
        return 1;
    }
    g_server = server->get();
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    std::thread writer([&] {
        std::vector<Pending> batch;
        off_t offset = 0;
        while (to_writer.take(batch)) {
            if (durable) {
                for (const auto& p : batch) {
                    if (offset + static_cast<off_t>(p.body.size()) > k_log_bytes) offset = 0;
                    if (::pwrite(log_fd, p.body.data(), p.body.size(), offset) < 0)
                        std::perror("pwrite");
                    offset += static_cast<off_t>(p.body.size());
                }
                ::fdatasync(log_fd);
            }
            to_syncer.push_all(batch);
        }
        to_syncer.stop();
    });
    std::thread syncer([&] {
        std::vector<Pending> batch;
        while (to_syncer.take(batch)) {
            for (auto& p : batch) p.respond(stored());
            batch.clear();
        }
    });

    std::thread announce([&] {
        (*server)->wait_until_running();
        std::printf("listening %d\n", (*server)->port());
        std::fflush(stdout);
    });
    (*server)->run();
    announce.join();
    to_writer.stop();
    writer.join();
    syncer.join();
    if (log_fd >= 0) ::close(log_fd);
    return 0;
}
