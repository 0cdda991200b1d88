#pragma once
// Runs the real `shiplog` binary as a child process for integration tests.
// Output is collected by a reader thread; tests wait for lines with a
// deadline (condition variable), never with sleeps. Every child's output is
// also copied to a capture directory for the whole-suite secret scan
// (tests/tools/secret_scan.cpp).

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shiplog::testing {

struct CommandResult {
    int exit_code = -1;  // -1 when killed by a signal
    std::string out;
    std::string err;
};

// Runs `binary args...` to completion with extra environment variables.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

class ChildProcess {
  public:
    // Starts `binary args...`; stdout and stderr are merged into output().
    ChildProcess(const std::string& binary, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});
    ~ChildProcess();  // SIGKILLs the child if still running

    pid_t pid() const { return m_pid; }
    std::string output() const;

    // Waits until output() contains `needle`; false on timeout or child exit.
    bool wait_for_output(const std::string& needle,
                         std::chrono::milliseconds timeout = std::chrono::seconds{20});

    void send_signal(int sig);
    // Waits for the child to exit; returns its exit code, or 128+signal.
    int wait();

  private:
    void read_loop(int fd);

    pid_t m_pid = -1;
    bool m_reaped = false;
    int m_status = 0;
    std::thread m_reader;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::string m_output;
    bool m_eof = false;
    int m_capture_fd = -1;  // copy of the output for the whole-suite secret scan
};

// `shiplog serve` started on a config whose listen port is 0; port() is the
// one it bound, read from its "listening on" line.
class ServeProcess {
  public:
    ServeProcess(const std::string& binary, const std::string& config_path,
                 const std::map<std::string, std::string>& env = {});
    bool started() const { return m_port > 0; }
    int port() const { return m_port; }
    ChildProcess& process() { return *m_child; }

  private:
    std::unique_ptr<ChildProcess> m_child;
    int m_port = 0;
};

}  // namespace shiplog::testing
