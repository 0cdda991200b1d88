#include "storage/journal.hpp"

#include <cstring>
#include <limits>
#include <utility>

#include "common/bytes.hpp"
#include "lmdb_util.hpp"

namespace shiplog::storage {

namespace {

constexpr std::uint8_t k_flag_created_date = 0x01;
constexpr std::uint8_t k_known_flags = k_flag_created_date;
constexpr std::size_t k_fixed_header_bytes = 3 + 8;

bool valid_source(std::uint8_t value) {
    return value >= static_cast<std::uint8_t>(EventSource::webhook) &&
           value <= static_cast<std::uint8_t>(EventSource::backfill);
}

std::int64_t nanos(Timestamp t) {
    return t.time_since_epoch().count();
}

tl::unexpected<Error> corrupt(std::uint64_t seq, const bytes::Reader& reader,
                              std::string_view what) {
    return fail(ErrorCode::store, "journal record " + std::to_string(seq) +
                                      " is corrupt: " + std::string(what) + " at byte " +
                                      std::to_string(reader.offset()));
}

Status validate_event_id(std::string_view event_id) {
    if (event_id.empty()) return fail(ErrorCode::invalid_argument, "the event id is empty");
    if (event_id.size() > k_max_event_id_bytes)
        return fail(ErrorCode::invalid_argument,
                    "the event id is " + std::to_string(event_id.size()) + " bytes long; at most " +
                        std::to_string(k_max_event_id_bytes) + " are allowed");
    return {};
}

Status validate(const JournalEntry& entry) {
    if (auto valid = validate_event_id(entry.event_id); !valid) return valid;
    if (!valid_source(static_cast<std::uint8_t>(entry.source)))
        return fail(ErrorCode::invalid_argument,
                    "unknown event source " + std::to_string(static_cast<unsigned>(entry.source)));
    for (const std::string* field :
         {&entry.event_type, &entry.publisher_id, &entry.resource_version, &entry.raw}) {
        if (field->size() > std::numeric_limits<std::uint32_t>::max())
            return fail(ErrorCode::invalid_argument, "a journal entry field exceeds 4 GiB");
    }
    return {};
}

Result<std::uint64_t> decode_seq_value(const MDB_val& value, std::string_view what) {
    if (value.mv_size != 8)
        return fail(ErrorCode::store, std::string(what) + " is corrupt (" +
                                          std::to_string(value.mv_size) + " bytes, expected 8)");
    return bytes::decode_u64_be(detail::to_view(value));
}

}  // namespace

const char* to_string(EventSource source) {
    switch (source) {
        case EventSource::webhook:
            return "webhook";
        case EventSource::ingest:
            return "ingest";
        case EventSource::register_deploy:
            return "register_deploy";
        case EventSource::backfill:
            return "backfill";
    }
    return "unknown";
}

std::size_t encoded_size(const JournalEntry& entry) {
    std::size_t size = k_fixed_header_bytes + (entry.created_date ? 8 : 0);
    for (const std::string* field : {&entry.event_id, &entry.event_type, &entry.publisher_id,
                                     &entry.resource_version, &entry.raw})
        size += bytes::length_prefixed_size(*field);
    return size;
}

void encode_entry(const JournalEntry& entry, char* out) {
    *out++ = static_cast<char>(k_journal_record_version);
    *out++ = static_cast<char>(entry.source);
    *out++ = static_cast<char>(entry.created_date ? k_flag_created_date : 0);
    out = bytes::encode_fixed64(out, static_cast<std::uint64_t>(nanos(entry.received_at)));
    if (entry.created_date)
        out = bytes::encode_fixed64(out, static_cast<std::uint64_t>(nanos(*entry.created_date)));
    for (const std::string* field : {&entry.event_id, &entry.event_type, &entry.publisher_id,
                                     &entry.resource_version, &entry.raw})
        out = bytes::encode_length_prefixed(out, *field);
}

std::string encode_entry(const JournalEntry& entry) {
    std::string out(encoded_size(entry), '\0');
    encode_entry(entry, out.data());
    return out;
}

Result<JournalEntry> decode_entry(std::string_view record, std::uint64_t seq) {
    bytes::Reader in(record);
    JournalEntry entry;
    entry.seq = seq;
    const std::uint8_t version = in.u8();
    if (!in.ok()) return corrupt(seq, in, "empty record");
    if (version > k_journal_record_version)
        return fail(ErrorCode::store,
                    "journal record " + std::to_string(seq) + " has format version " +
                        std::to_string(version) + ", newer than this shiplog reads (" +
                        std::to_string(k_journal_record_version) + "): upgrade shiplog");
    if (version == 0) return corrupt(seq, in, "format version 0");
    const std::uint8_t source = in.u8();
    if (!in.ok()) return corrupt(seq, in, "truncated source");
    if (!valid_source(source)) return corrupt(seq, in, "unknown source " + std::to_string(source));
    entry.source = static_cast<EventSource>(source);
    const std::uint8_t flags = in.u8();
    if (!in.ok()) return corrupt(seq, in, "truncated flags");
    if ((flags & ~k_known_flags) != 0) return corrupt(seq, in, "unknown flags");
    const auto received = static_cast<std::int64_t>(in.fixed64());
    if (!in.ok()) return corrupt(seq, in, "truncated received_at");
    entry.received_at = Timestamp{std::chrono::nanoseconds{received}};
    if ((flags & k_flag_created_date) != 0) {
        const auto created = static_cast<std::int64_t>(in.fixed64());
        if (!in.ok()) return corrupt(seq, in, "truncated created_date");
        entry.created_date = Timestamp{std::chrono::nanoseconds{created}};
    }
    const std::pair<std::string*, const char*> fields[] = {
        {&entry.event_id, "event_id"},
        {&entry.event_type, "event_type"},
        {&entry.publisher_id, "publisher_id"},
        {&entry.resource_version, "resource_version"},
        {&entry.raw, "raw"},
    };
    for (const auto& [field, name] : fields) {
        // Lengths above 4 GiB are refused as the writer refuses them.
        const std::uint64_t size = in.varint32();
        *field = in.bytes(size);
        if (!in.ok()) return corrupt(seq, in, std::string("truncated ") + name);
    }
    if (!in.done()) return corrupt(seq, in, "trailing bytes");
    return entry;
}

Result<std::optional<std::uint64_t>> find_event_id(lmdb::txn& txn, const Store& store,
                                                   std::string_view event_id) {
    if (auto valid = validate_event_id(event_id); !valid) return tl::unexpected(valid.error());
    MDB_val key = detail::to_val(event_id);
    MDB_val value{};
    const int rc = ::mdb_get(txn.handle(), store.event_ids_table(), &key, &value);
    if (rc == MDB_NOTFOUND) return std::optional<std::uint64_t>{};
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "look up an event id"));
    auto seq = decode_seq_value(value, "the event id index entry");
    if (!seq) return tl::unexpected(seq.error());
    return std::optional<std::uint64_t>{*seq};
}

Result<std::uint64_t> last_seq(lmdb::txn& txn, const Store& store) {
    try {
        auto cursor = lmdb::cursor::open(txn.handle(), store.journal_table());
        MDB_val key{};
        MDB_val value{};
        if (!lmdb::cursor_get(cursor.handle(), &key, &value, MDB_LAST)) return std::uint64_t{0};
        return decode_seq_value(key, "a journal key");
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "find the last journal entry"));
    }
}

Status append_entry(lmdb::txn& txn, const Store& store, JournalEntry& entry) {
    if (auto valid = validate(entry); !valid) return valid;
    auto last = last_seq(txn, store);
    if (!last) return tl::unexpected(last.error());
    const std::uint64_t seq = *last + 1;
    detail::SeqKey seq_key(seq);

    // Index first: an id already present (the caller skipped find_event_id)
    // then fails before the journal changes.
    MDB_val id_key = detail::to_val(entry.event_id);
    MDB_val id_value = seq_key.val();
    int rc = ::mdb_put(txn.handle(), store.event_ids_table(), &id_key, &id_value, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return fail(ErrorCode::conflict, "event id '" + entry.event_id + "' is already journaled");
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "index an event id"));

    // MDB_APPEND: keys only grow, so LMDB fills pages instead of splitting
    // them in half. MDB_RESERVE: encode straight into the map, no copy of raw.
    MDB_val key = seq_key.val();
    MDB_val value{encoded_size(entry), nullptr};
    rc = ::mdb_put(txn.handle(), store.journal_table(), &key, &value, MDB_APPEND | MDB_RESERVE);
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "append to the journal"));
    encode_entry(entry, static_cast<char*>(value.mv_data));
    entry.seq = seq;
    return {};
}

Result<std::optional<JournalEntry>> read_entry(lmdb::txn& txn, const Store& store,
                                               std::uint64_t seq) {
    detail::SeqKey seq_key(seq);
    MDB_val key = seq_key.val();
    MDB_val value{};
    const int rc = ::mdb_get(txn.handle(), store.journal_table(), &key, &value);
    if (rc == MDB_NOTFOUND) return std::optional<JournalEntry>{};
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "read a journal entry"));
    auto entry = decode_entry(detail::to_view(value), seq);
    if (!entry) return tl::unexpected(entry.error());
    return std::optional<JournalEntry>{std::move(*entry)};
}

Status for_each_entry(lmdb::txn& txn, const Store& store, std::uint64_t from_seq,
                      const std::function<bool(const JournalEntry&)>& visit) {
    try {
        auto cursor = lmdb::cursor::open(txn.handle(), store.journal_table());
        detail::SeqKey start(from_seq);
        MDB_val key = start.val();
        MDB_val value{};
        bool found = lmdb::cursor_get(cursor.handle(), &key, &value, MDB_SET_RANGE);
        while (found) {
            auto seq = decode_seq_value(key, "a journal key");
            if (!seq) return tl::unexpected(seq.error());
            auto entry = decode_entry(detail::to_view(value), *seq);
            if (!entry) return tl::unexpected(entry.error());
            if (!visit(*entry)) break;
            found = lmdb::cursor_get(cursor.handle(), &key, &value, MDB_NEXT);
        }
        return {};
    } catch (const lmdb::error& e) {
        return tl::unexpected(store_error(e, "walk the journal"));
    }
}

Result<std::uint64_t> journal_size(lmdb::txn& txn, const Store& store) {
    MDB_stat stat{};
    const int rc = ::mdb_stat(txn.handle(), store.journal_table(), &stat);
    if (rc != MDB_SUCCESS) return tl::unexpected(store_error(rc, "count the journal"));
    return std::uint64_t{stat.ms_entries};
}

}  // namespace shiplog::storage
