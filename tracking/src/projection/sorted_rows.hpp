#pragma once
// Rows of a sha-keyed table collected during reindex and written at the end
// in key order with MDB_APPEND. Inserted as they come, rows keyed by sha
// land on random leaves: once a table has more leaves than a transaction
// inserts, every insert copies a page of its own, so replaying a journal
// cost more per event the longer it was. Sorted, the same rows fill pages
// one after another.
//
// Memory is bounded: rows are kept up to `run_bytes`, then sorted and
// spilled to an unlinked temporary file; drain() merges the runs.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace shiplog::tracking::detail {

class SortedRows {
  public:
    explicit SortedRows(std::size_t run_bytes);
    ~SortedRows();
    SortedRows(const SortedRows&) = delete;
    SortedRows& operator=(const SortedRows&) = delete;

    // One row for (table, key); `seq` and `index` order the rows of one key
    // (the journal entry and the row's place in it).
    void add(std::uint8_t table, std::string_view key, std::uint64_t seq, std::uint64_t index,
             std::string_view value);
    // The rows added since the last end_entry() belong to an entry that was
    // projected (keep them; may spill a run) or rolled back (forget them).
    Status end_entry();
    void drop_entry();

    // Calls emit once per (table, key), in (table, key) order, with that
    // key's values in (seq, index) order; then holds nothing.
    using Emit = std::function<Status(std::uint8_t table, std::string_view key,
                                      const std::vector<std::string>& values)>;
    Status drain(const Emit& emit);

    std::uint64_t rows() const { return m_rows; }

  private:
    struct Row {
        std::uint8_t table = 0;
        std::string key;
        std::uint64_t seq = 0;
        std::uint64_t index = 0;
        std::string value;
    };
    class Run;
    Status spill();

    std::size_t m_run_bytes;
    std::size_t m_bytes = 0;
    std::size_t m_entry_start = 0;  // m_buffer's size at the last end_entry()
    std::size_t m_bytes_at_entry_start = 0;
    std::uint64_t m_rows = 0;
    std::vector<Row> m_buffer;
    std::vector<std::unique_ptr<Run>> m_runs;
};

}  // namespace shiplog::tracking::detail
