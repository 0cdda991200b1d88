#include "projection/sorted_rows.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <tuple>

namespace shiplog::tracking::detail {

namespace {

// A store error, not io: reindex stops on it instead of skipping the entry.
Error temp_file_error(const char* what) {
    return Error{ErrorCode::store, std::string("reindex: could not ") + what +
                                       " a temporary file of sorted rows: " + std::strerror(errno)};
}

}  // namespace

// A sorted run in an unlinked temporary file (gone with the process, even
// after a crash).
class SortedRows::Run {
  public:
    static Result<std::unique_ptr<Run>> write(const std::vector<Row>& rows) {
        std::unique_ptr<Run> run(new Run(std::tmpfile()));
        if (run->m_file == nullptr) return tl::unexpected(temp_file_error("create"));
        for (const auto& row : rows) {
            const auto key_size = static_cast<std::uint32_t>(row.key.size());
            const auto value_size = static_cast<std::uint32_t>(row.value.size());
            const bool written =
                std::fwrite(&row.table, 1, 1, run->m_file) == 1 &&
                std::fwrite(&key_size, sizeof key_size, 1, run->m_file) == 1 &&
                std::fwrite(row.key.data(), 1, key_size, run->m_file) == key_size &&
                std::fwrite(&row.seq, sizeof row.seq, 1, run->m_file) == 1 &&
                std::fwrite(&row.index, sizeof row.index, 1, run->m_file) == 1 &&
                std::fwrite(&value_size, sizeof value_size, 1, run->m_file) == 1 &&
                std::fwrite(row.value.data(), 1, value_size, run->m_file) == value_size;
            if (!written) return tl::unexpected(temp_file_error("write"));
        }
        if (std::fflush(run->m_file) != 0 || std::fseek(run->m_file, 0, SEEK_SET) != 0)
            return tl::unexpected(temp_file_error("rewind"));
        return run;
    }
    ~Run() {
        if (m_file != nullptr) std::fclose(m_file);
    }

    // The next row into `row`; false at the end (or on a read error, which
    // `failed` reports).
    bool next(Row& row) {
        std::uint32_t key_size = 0;
        std::uint32_t value_size = 0;
        if (std::fread(&row.table, 1, 1, m_file) != 1) {
            m_failed = std::ferror(m_file) != 0;
            return false;
        }
        bool read = std::fread(&key_size, sizeof key_size, 1, m_file) == 1;
        if (read) {
            row.key.resize(key_size);
            read = std::fread(row.key.data(), 1, key_size, m_file) == key_size &&
                   std::fread(&row.seq, sizeof row.seq, 1, m_file) == 1 &&
                   std::fread(&row.index, sizeof row.index, 1, m_file) == 1 &&
                   std::fread(&value_size, sizeof value_size, 1, m_file) == 1;
        }
        if (read) {
            row.value.resize(value_size);
            read = std::fread(row.value.data(), 1, value_size, m_file) == value_size;
        }
        m_failed = !read;
        return read;
    }
    bool failed() const { return m_failed; }

  private:
    explicit Run(std::FILE* file) : m_file(file) {}
    std::FILE* m_file;
    bool m_failed = false;
};

SortedRows::SortedRows(std::size_t run_bytes) : m_run_bytes(run_bytes) {}
SortedRows::~SortedRows() = default;

namespace {

template <class R>
auto order(const R& r) {
    return std::tie(r.table, r.key, r.seq, r.index);
}

}  // namespace

void SortedRows::add(std::uint8_t table, std::string_view key, std::uint64_t seq,
                     std::uint64_t index, std::string_view value) {
    m_buffer.push_back(Row{table, std::string(key), seq, index, std::string(value)});
    // Strings, the vector's slot and the allocator's bookkeeping.
    m_bytes += key.size() + value.size() + sizeof(Row) + 32;
    ++m_rows;
}

Status SortedRows::end_entry() {
    if (m_bytes >= m_run_bytes) SHIPLOG_TRY(spill());
    m_entry_start = m_buffer.size();
    m_bytes_at_entry_start = m_bytes;
    return {};
}

void SortedRows::drop_entry() {
    m_rows -= m_buffer.size() - m_entry_start;
    m_buffer.resize(m_entry_start);
    m_bytes = m_bytes_at_entry_start;
}

Status SortedRows::spill() {
    std::sort(m_buffer.begin(), m_buffer.end(),
              [](const Row& a, const Row& b) { return order(a) < order(b); });
    auto run = Run::write(m_buffer);
    if (!run) return tl::unexpected(run.error());
    m_runs.push_back(std::move(*run));
    m_buffer.clear();
    m_buffer.shrink_to_fit();
    m_bytes = 0;
    m_entry_start = 0;
    m_bytes_at_entry_start = 0;
    return {};
}

Status SortedRows::drain(const Emit& emit) {
    std::sort(m_buffer.begin(), m_buffer.end(),
              [](const Row& a, const Row& b) { return order(a) < order(b); });
    // One cursor per run plus the rows still in memory (source == m_runs.size()).
    struct Head {
        Row row;
        std::size_t source = 0;
    };
    auto later = [](const Head& a, const Head& b) { return order(b.row) < order(a.row); };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
    std::size_t in_memory = 0;
    auto advance = [&](std::size_t source) -> Status {
        Head head;
        head.source = source;
        if (source == m_runs.size()) {
            if (in_memory == m_buffer.size()) return {};
            head.row = std::move(m_buffer[in_memory++]);
        } else if (!m_runs[source]->next(head.row)) {
            if (m_runs[source]->failed()) return tl::unexpected(temp_file_error("read"));
            return {};
        }
        heads.push(std::move(head));
        return {};
    };
    for (std::size_t source = 0; source <= m_runs.size(); ++source) SHIPLOG_TRY(advance(source));

    std::vector<std::string> values;
    while (!heads.empty()) {
        Head head = heads.top();
        heads.pop();
        SHIPLOG_TRY(advance(head.source));
        values.clear();
        values.push_back(std::move(head.row.value));
        while (!heads.empty() && heads.top().row.table == head.row.table &&
               heads.top().row.key == head.row.key) {
            Head same = heads.top();
            heads.pop();
            SHIPLOG_TRY(advance(same.source));
            values.push_back(std::move(same.row.value));
        }
        SHIPLOG_TRY(emit(head.row.table, head.row.key, values));
    }
    m_buffer.clear();
    m_runs.clear();
    m_bytes = 0;
    m_entry_start = 0;
    m_bytes_at_entry_start = 0;
    m_rows = 0;
    return {};
}

}  // namespace shiplog::tracking::detail
