#pragma once
// Progress of long command-line work (reindex, backfill, ingest of many
// files). On a terminal: one line redrawn at most ~10 times a second with a
// bar (when the total is known), the rate and the time left. Elsewhere (a
// pipe, a log file, CI): nothing while working and one summary line at the
// end, so logs stay readable.
//
// Threading: one thread per Progress.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace shiplog {

class Progress {
  public:
    // `what` starts every line ("reindex"); `unit` names what is counted
    // ("events"); `total` 0 = unknown. `terminal` defaults to isatty(out).
    Progress(std::string what, std::string unit, std::uint64_t total, std::FILE* out = stderr);
    Progress(std::string what, std::string unit, std::uint64_t total, std::FILE* out,
             bool terminal);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress();

    void set_total(std::uint64_t total) { m_total = total; }
    // `done` so far (monotonic); `note` is shown after the counts on a terminal.
    void update(std::uint64_t done, const std::string& note = {});
    // Erases the bar on a terminal, before another line is printed there.
    void clear();
    // Writes the summary line (`detail` appended, e.g. "3 failed"); once.
    void finish(const std::string& detail = {});

    // "1,234,567"
    static std::string grouped(std::uint64_t n);
    // "0:07", "12:03", "1:02:03"
    static std::string clock_text(double seconds);

  private:
    void draw(bool final);
    std::string m_what;
    std::string m_unit;
    std::uint64_t m_total = 0;
    std::uint64_t m_done = 0;
    std::string m_note;
    std::FILE* m_out = nullptr;
    bool m_terminal = false;
    bool m_finished = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_drawn;
};

}  // namespace shiplog
