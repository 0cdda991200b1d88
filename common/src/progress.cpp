#include "common/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace shiplog {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_redraw = std::chrono::milliseconds{100};
constexpr int k_bar = 24;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string rate_text(double per_second) {
    char buf[32];
    if (per_second >= 100) return Progress::grouped(static_cast<std::uint64_t>(per_second + 0.5));
    std::snprintf(buf, sizeof buf, "%.1f", per_second);
    return buf;
}

}  // namespace

Progress::Progress(std::string what, std::string unit, std::uint64_t total, std::FILE* out)
    : Progress(std::move(what), std::move(unit), total, out, ::isatty(::fileno(out)) == 1) {}

Progress::Progress(std::string what, std::string unit, std::uint64_t total, std::FILE* out,
                   bool terminal)
    : m_what(std::move(what)),
      m_unit(std::move(unit)),
      m_total(total),
      m_out(out),
      m_terminal(terminal),
      m_start(Clock::now()),
      m_drawn(m_start - k_redraw) {}

Progress::~Progress() {
    // Unfinished (the work failed): end the redrawn line, print no summary.
    if (!m_finished && m_terminal && m_drawn != m_start - k_redraw) std::fputc('\n', m_out);
}

std::string Progress::grouped(std::uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string Progress::clock_text(double seconds) {
    const auto s = static_cast<long long>(std::max(0.0, std::round(seconds)));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    return buf;
}

void Progress::update(std::uint64_t done, const std::string& note) {
    m_done = done;
    if (!note.empty()) m_note = note;
    if (!m_terminal || m_finished) return;
    const auto now = Clock::now();
    if (now - m_drawn < k_redraw) return;
    m_drawn = now;
    draw(false);
}

void Progress::draw(bool final) {
    const double elapsed = seconds_since(m_start);
    const double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0;
    std::string line = m_what + " ";
    if (m_total > 0) {
        const double fraction =
            std::min(1.0, static_cast<double>(m_done) / static_cast<double>(m_total));
        const int filled = static_cast<int>(fraction * k_bar);
        line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
                std::string(static_cast<std::size_t>(k_bar - filled), '.') + "] ";
        char pct[16];
        std::snprintf(pct, sizeof pct, "%3.0f%% ", fraction * 100);
        line += pct;
        line += grouped(m_done) + "/" + grouped(m_total) + " " + m_unit;
    } else {
        line += grouped(m_done) + " " + m_unit;
    }
    line += ", " + rate_text(rate) + "/s";
    if (final)
        line += ", " + clock_text(elapsed);
    else if (m_total > m_done && rate > 0)
        line += ", ETA " + clock_text(static_cast<double>(m_total - m_done) / rate);
    if (!m_note.empty() && !final) line += " (" + m_note + ")";
    // \033[K clears what a longer earlier line left behind.
    std::fprintf(m_out, "\r%s\033[K", line.c_str());
    std::fflush(m_out);
}

void Progress::clear() {
    if (m_terminal && !m_finished && m_drawn != m_start - k_redraw) {
        std::fputs("\r\033[K", m_out);
        std::fflush(m_out);
        m_drawn = Clock::now() - k_redraw;  // redraw at the next update
    }
}

void Progress::finish(const std::string& detail) {
    if (m_finished) return;
    m_finished = true;
    const double elapsed = seconds_since(m_start);
    const double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0;
    if (m_terminal) {
        draw(true);
        std::fprintf(m_out, "%s\n", detail.empty() ? "" : (", " + detail).c_str());
    } else {
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.1f", elapsed);
        std::fprintf(m_out, "%s: %s %s in %s s (%s/s)%s\n", m_what.c_str(), grouped(m_done).c_str(),
                     m_unit.c_str(), secs, rate_text(rate).c_str(),
                     detail.empty() ? "" : (", " + detail).c_str());
    }
    std::fflush(m_out);
}

}  // namespace shiplog
