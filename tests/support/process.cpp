#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include <gtest/gtest.h>

namespace shiplog::testing {
namespace {

std::vector<char*> make_argv(const std::string& binary, const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}

[[noreturn]] void exec_child(const std::string& binary, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    auto argv = make_argv(binary, args);
    ::execv(binary.c_str(), argv.data());
    std::fprintf(stderr, "exec %s failed: %s\n", binary.c_str(), std::strerror(errno));
    ::_exit(127);
}

std::string drain(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    return out;
}

// Whole-suite secret scan (issue 8): every child's stdout/stderr is also
// written to one file per child under the capture directory, which the CTest
// `secrets.scan_test_output` greps for the suite's secrets after all
// integration tests ran. $SHIPLOG_TEST_OUTPUT_DIR overrides the build's default.
std::filesystem::path capture_dir() {
    if (const char* env = std::getenv("SHIPLOG_TEST_OUTPUT_DIR"); env && *env) return env;
#ifdef SHIPLOG_TEST_OUTPUT_DIR
    return SHIPLOG_TEST_OUTPUT_DIR;
#else
    return {};
#endif
}

// Opens a fresh capture file named after the running test and the command
// (never its arguments, which are paths); -1 when capture is off.
int open_capture(const std::string& binary, const std::vector<std::string>& args) {
    auto dir = capture_dir();
    if (dir.empty()) return -1;
    static std::atomic<unsigned> counter{0};
    std::string test = "no-test";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
        test = std::string(info->test_suite_name()) + "." + info->name();
    std::string name = test + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                       "-" + std::filesystem::path(binary).filename().string() +
                       (args.empty() ? "" : "-" + args.front()) + ".log";
    for (char& c : name)
        if (c == '/' || c == ' ') c = '_';
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

void write_all(int fd, const char* data, std::size_t size) {
    while (fd >= 0 && size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        exec_child(binary, args, env);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    CommandResult result;
    // stderr is read on a thread so a child filling one pipe cannot block on the other.
    std::thread err_reader([&] { result.err = drain(err_pipe[0]); });
    result.out = drain(out_pipe[0]);
    err_reader.join();
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (int capture = open_capture(binary, args); capture >= 0) {
        write_all(capture, result.out.data(), result.out.size());
        write_all(capture, result.err.data(), result.err.size());
        ::close(capture);
    }
    return result;
}

ChildProcess::ChildProcess(const std::string& binary, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    m_pid = ::fork();
    if (m_pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        exec_child(binary, args, env);
    }
    ::close(fds[1]);
    m_capture_fd = open_capture(binary, args);
    m_reader = std::thread([this, fd = fds[0]] { read_loop(fd); });
}

ChildProcess::~ChildProcess() {
    if (!m_reaped && m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        wait();
    }
    if (m_reader.joinable()) m_reader.join();
    if (m_capture_fd >= 0) ::close(m_capture_fd);
}

void ChildProcess::read_loop(int fd) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(m_mutex);
        if (n <= 0) {
            m_eof = true;
            m_cv.notify_all();
            break;
        }
        m_output.append(buf, static_cast<std::size_t>(n));
        write_all(m_capture_fd, buf, static_cast<std::size_t>(n));
        m_cv.notify_all();
    }
    ::close(fd);
}

std::string ChildProcess::output() const {
    std::lock_guard lock(m_mutex);
    return m_output;
}

bool ChildProcess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] {
        return m_output.find(needle) != std::string::npos || m_eof;
    }) && m_output.find(needle) != std::string::npos;
}

void ChildProcess::send_signal(int sig) {
    if (!m_reaped) ::kill(m_pid, sig);
}

int ChildProcess::wait() {
    if (!m_reaped) {
        while (::waitpid(m_pid, &m_status, 0) < 0 && errno == EINTR) {
        }
        m_reaped = true;
        if (m_reader.joinable()) m_reader.join();
    }
    return decode_status(m_status);
}

ServeProcess::ServeProcess(const std::string& binary, const std::string& config_path,
                           const std::map<std::string, std::string>& env)
    : m_child(std::make_unique<ChildProcess>(
          binary, std::vector<std::string>{"serve", "--config", config_path}, env)) {
    if (!m_child->wait_for_output("listening on ")) return;
    std::smatch m;
    std::string out = m_child->output();
    static const std::regex k_listening(R"(listening on https?://[^ ]*:(\d+))");
    if (std::regex_search(out, m, k_listening)) m_port = std::stoi(m[1].str());
}

}  // namespace shiplog::testing
