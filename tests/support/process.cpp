#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <stdexcept>

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

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
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
    m_reader = std::thread([this, fd = fds[0]] { read_loop(fd); });
}

ChildProcess::~ChildProcess() {
    if (!m_reaped && m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        wait();
    }
    if (m_reader.joinable()) m_reader.join();
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
    return m_cv.wait_for(lock, timeout,
                         [&] { return m_output.find(needle) != std::string::npos || m_eof; }) &&
           m_output.find(needle) != std::string::npos;
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
    : m_child(std::make_unique<ChildProcess>(binary, std::vector<std::string>{"serve", "--config", config_path},
                                             env)) {
    if (!m_child->wait_for_output("listening on ")) return;
    std::smatch m;
    std::string out = m_child->output();
    static const std::regex k_listening(R"(listening on https?://[^ ]*:(\d+))");
    if (std::regex_search(out, m, k_listening)) m_port = std::stoi(m[1].str());
}

}  // namespace shiplog::testing
