#include "daemon_harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <sstream>

#include "storage/journal.hpp"
#include "storage/store.hpp"
#include "support/sha.hpp"

namespace shiplog::testing {

DaemonHarness::DaemonHarness(DaemonOptions options) : m_options(std::move(options)) {
    if (m_options.webhook_auth)
        m_dir.write("webhook-password", std::string(k_webhook_password) + "\n");
    m_config = m_dir.write("shiplog.toml", config_text(m_options.extra_toml));
}

std::string DaemonHarness::config_text(const std::string& extra_toml) const {
    std::ostringstream toml;
    toml << "[server]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://shiplog.example.com\"\n"
         << "max_body_bytes = " << m_options.max_body_bytes << "\n"
         << m_options.server_toml << "\n"
         << "[storage]\npath = \"store\"\nmax_size_mb = " << m_options.max_size_mb << "\n\n";
    if (m_options.webhook_auth)
        toml << "[webhook]\nusername = \"" << k_webhook_user
             << "\"\npassword_file = \"webhook-password\"\n"
             << m_options.webhook_toml << "\n";
    toml << "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\nproject = "
            "\"Contoso\"\n"
         << "repository = \"web-api\"\nbranch = \"main\"\ntrigger = \"push\"\n\n"
         << extra_toml;
    return toml.str();
}

void DaemonHarness::set_max_size_mb(std::size_t max_size_mb) {
    m_options.max_size_mb = max_size_mb;
    m_dir.write("shiplog.toml", config_text(m_options.extra_toml));
}

void DaemonHarness::rewrite_config(const std::string& extra_toml) {
    m_dir.write("shiplog.toml", config_text(extra_toml));
}

bool DaemonHarness::start() {
    return start({});
}

bool DaemonHarness::start(const std::map<std::string, std::string>& env) {
    m_serve = std::make_unique<ServeProcess>(SHIPLOG_BINARY, m_config.string(), env);
    return m_serve->started();
}

httplib::Client DaemonHarness::client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5);
    c.set_read_timeout(15);
    return c;
}

httplib::Result DaemonHarness::post_event(const std::string& body,
                                          const std::string& content_type) const {
    auto c = client();
    c.set_basic_auth(k_webhook_user, k_webhook_password);
    return c.Post("/hooks/azure-devops", body, content_type.c_str());
}

int DaemonHarness::stop() {
    m_serve->process().send_signal(SIGTERM);
    return m_serve->process().wait();
}

std::vector<std::string> DaemonHarness::journal_event_ids() const {
    return journal_event_ids_in(store_path(), m_options.max_size_mb << 20);
}

void expect_duplicates(const DaemonHarness& daemon, const std::vector<std::string>& ids,
                       int commits) {
    for (const auto& id : ids) {
        auto res = daemon.post_event(make_push_event(id, "billing", "main", commits));
        ASSERT_TRUE(res);
        EXPECT_EQ(res->body, R"({"status":"duplicate"})") << id;
    }
}

void expect_each_once(const std::vector<std::string>& ids) {
    std::map<std::string, int> count;
    for (const auto& id : ids) ++count[id];
    for (const auto& [id, times] : count) EXPECT_EQ(times, 1) << id;
}

std::vector<std::string> journal_event_ids_in(const std::filesystem::path& store_dir,
                                              std::size_t map_size) {
    std::vector<std::string> ids;
    auto store = storage::Store::open({store_dir, map_size, true});
    if (!store) {
        ADD_FAILURE() << "cannot open " << store_dir << ": " << store.error().message;
        return ids;
    }
    auto txn = lmdb::txn::begin((*store)->env(), nullptr, MDB_RDONLY);
    auto visited = storage::for_each_entry(txn, **store, 0, [&](const storage::JournalEntry& e) {
        ids.push_back(e.event_id);
        return true;
    });
    if (!visited) ADD_FAILURE() << visited.error().message;
    return ids;
}

std::string make_push_event(const std::string& event_id, const std::string& repository,
                            const std::string& branch, int commits) {
    std::ostringstream j;
    j << R"({"subscriptionId":"5c9d6f3e-0a51-4f8e-9a57-0c4f2b1d7e11","notificationId":7,"id":")"
      << event_id << R"(","eventType":"git.push","publisherId":"tfs","message":{"text":"pushed"},)"
      << R"("resource":{"commits":[)";
    for (int i = 0; i < commits; ++i) {
        if (i) j << ',';
        j << R"({"commitId":")" << sha(1000 + i)
          << R"(","author":{"name":"Ada","email":"ada@contoso.example","date":"2026-11-19T08:00:00Z"},)"
          << R"("committer":{"name":"Ada","email":"ada@contoso.example","date":"2026-11-19T08:00:00Z"},"comment":"Fix #12 thing )"
          << i << R"("})";
    }
    j << R"(],"refUpdates":[{"name":"refs/heads/)" << branch << R"(","oldObjectId":")" << sha(1)
      << R"(","newObjectId":")" << sha(1000) << R"("}],)"
      << R"("repository":{"id":"7a1b2c3d-0000-4000-8000-000000000001","name":")" << repository
      << R"(","project":{"id":"1f2e3d4c-0000-4000-8000-000000000002","name":"Contoso"}},)"
      << R"("pushedBy":{"displayName":"Ada","uniqueName":"ada@contoso.example"},"pushId":42,"date":"2026-11-20T10:00:00Z"},)"
      << R"("resourceVersion":"1.0","resourceContainers":{"project":{"id":"1f2e3d4c-0000-4000-8000-000000000002"}},)"
      << R"("createdDate":"2026-11-20T10:00:01.1234567Z"})";
    return j.str();
}

int raw_connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{10, 0};  // a send never blocks longer than this
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

bool raw_send(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::string raw_read_until(int fd, std::chrono::milliseconds timeout,
                           const std::function<bool(const std::string&)>& done) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[8192];
    while (!done(out)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // closed (or reset)
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string raw_read_until_close(int fd, std::chrono::milliseconds timeout) {
    return raw_read_until(fd, timeout, [](const std::string&) { return false; });
}

std::string raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
    int fd = raw_connect(port);
    if (fd < 0) return {};
    raw_send(fd, bytes);  // the server may close early (e.g. 413); read what it said anyway
    auto out = raw_read_until_close(fd, timeout);
    ::close(fd);
    return out;
}

std::vector<int> response_statuses(const std::string& stream) {
    std::vector<int> statuses;
    for (std::size_t pos = 0; (pos = stream.find("HTTP/1.", pos)) != std::string::npos; ++pos) {
        // "HTTP/1.1 200 " at a line start only (not inside a body).
        if (pos != 0 && stream[pos - 1] != '\n') continue;
        if (pos + 12 > stream.size() || stream[pos + 8] != ' ') continue;
        int code = std::atoi(stream.substr(pos + 9, 3).c_str());
        if (code >= 100 && code <= 599) statuses.push_back(code);
    }
    return statuses;
}

std::size_t count_occurrences(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = 0; (pos = haystack.find(needle, pos)) != std::string::npos;
         pos += needle.size())
        ++n;
    return n;
}

}  // namespace shiplog::testing
