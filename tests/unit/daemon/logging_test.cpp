// The process logger (daemon/logging.hpp) with fd 2 pointed at a file or a
// pipe: info lines are queued for its writer thread, warnings and errors are
// written, with every line before them, before the call returns. Each test
// reads what reached fd 2 right after the call, with no wait in between.

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/logging.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::daemon {
namespace {

using testing::TempDir;

// Points fd 2 at `fd` for the test's lifetime, and back after.
class Stderr {
  public:
    explicit Stderr(int fd) : m_saved(::dup(STDERR_FILENO)) { ::dup2(fd, STDERR_FILENO); }
    ~Stderr() {
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
    }
    Stderr(const Stderr&) = delete;
    Stderr& operator=(const Stderr&) = delete;

  private:
    int m_saved;
};

class Logging : public ::testing::Test {
  protected:
    void SetUp() override {
        ::unsetenv("JOURNAL_STREAM");  // the human format on fd 2
        m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        ASSERT_GE(m_fd, 0);
        m_stderr.emplace(m_fd);
        ASSERT_TRUE(init_logging("info"));
    }
    void TearDown() override {
        m_stderr.reset();
        ::close(m_fd);
    }
    std::string written() const { return testing::read_file(m_path); }

    TempDir m_dir;
    std::string m_path = (m_dir / "stderr").string();
    int m_fd = -1;
    std::optional<Stderr> m_stderr;
};

TEST_F(Logging, AnErrorAndEveryLineBeforeItAreWrittenWhenTheCallReturns) {
    for (int i = 0; i < 2000; ++i) log_line(LogLevel::info, "queued line " + std::to_string(i));
    log_line(LogLevel::error, "the error line");
    const std::string out = written();
    for (int i : {0, 999, 1999})
        EXPECT_NE(out.find("queued line " + std::to_string(i) + "\n"), std::string::npos) << i;
    const std::string last = "the error line\n";
    ASSERT_GE(out.size(), last.size());
    EXPECT_EQ(out.substr(out.size() - last.size()), last) << "the error is the last line";
    EXPECT_NE(out.find("Z error the error line"), std::string::npos) << "UTC time and level";
}

TEST_F(Logging, EachThreadsWarningIsWrittenWhenItsCallReturns) {
    constexpr int k_threads = 4;
    constexpr int k_warnings = 25;
    std::vector<std::future<std::vector<std::string>>> threads;
    for (int t = 0; t < k_threads; ++t)
        threads.push_back(std::async(std::launch::async, [this, t] {
            std::vector<std::string> missing;
            for (int w = 0; w < k_warnings; ++w) {
                const std::string id = std::to_string(t) + "." + std::to_string(w);
                for (int i = 0; i < 20; ++i)
                    log_line(LogLevel::info, "info " + id + " " + std::to_string(i));
                log_line(LogLevel::warn, "warning " + id);
                const std::string out = written();
                if (out.find("warning " + id + "\n") == std::string::npos ||
                    out.find("info " + id + " 19\n") == std::string::npos)
                    missing.push_back(id);
            }
            return missing;
        }));
    for (auto& thread : threads) EXPECT_EQ(thread.get(), std::vector<std::string>{});
}

TEST_F(Logging, InfoLinesDoNotWaitForAStalledWriter) {
    // fd 2 becomes a pipe nobody reads yet: once its buffer is full the
    // writer thread blocks in write(2), while info calls only queue.
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::optional<Stderr> to_pipe(std::in_place, pipe_fds[1]);
    const std::string filler(1000, 'x');
    auto logging = std::async(std::launch::async, [&] {
        for (int i = 0; i < 500; ++i)  // ~500 KB
            log_line(LogLevel::info, std::to_string(i) + " " + filler);
    });
    // A bound, not a synchronisation: a logger that wrote on the caller's
    // thread would still be stuck on the full pipe.
    EXPECT_EQ(logging.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    std::string drained;
    std::thread reader([&] {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) drained.append(buf, n);
    });
    logging.wait();
    log_line(LogLevel::warn, "after the stall");  // returns once all is through the pipe
    to_pipe.reset();                              // fd 2 is the file again
    ::close(pipe_fds[1]);                         // the last write end: the reader sees the end
    reader.join();
    ::close(pipe_fds[0]);
    EXPECT_NE(drained.find("499 " + filler + "\n"), std::string::npos);
    EXPECT_NE(drained.find("after the stall\n"), std::string::npos);
}

}  // namespace
}  // namespace shiplog::daemon
