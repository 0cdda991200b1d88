#include "records/record_json.hpp"

#include "common/ascii.hpp"

namespace shiplog::tracking::detail {

Error record_error(const char* what, const std::string& why) {
    return Error{ErrorCode::invalid_argument, std::string(what) + why};
}

Result<simdjson::dom::element> parse_record(std::string_view raw, const char* what) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(raw.data(), raw.size()).get(root) != simdjson::SUCCESS || !root.is_object())
        return tl::unexpected(record_error(what, ": not a JSON object"));
    return root;
}

Result<std::string> record_string(simdjson::dom::element record, const char* what,
                                  const char* key) {
    std::string_view value;
    if (record[key].get(value) != simdjson::SUCCESS)
        return tl::unexpected(record_error(what, std::string(".") + key + ": missing string"));
    return std::string(value);
}

Status record_strings(simdjson::dom::element record, const char* what,
                      std::initializer_list<std::pair<const char*, std::string*>> fields) {
    for (const auto& [key, out] : fields) {
        SHIPLOG_TRY_ASSIGN(*out, record_string(record, what, key));
    }
    return {};
}

Result<std::int64_t> record_positive_id(simdjson::dom::element record, const char* what,
                                        const char* key) {
    std::int64_t id = 0;
    if (record[key].get(id) != simdjson::SUCCESS || id <= 0)
        return tl::unexpected(
            record_error(what, std::string(".") + key + ": missing positive integer"));
    return id;
}

Result<std::int64_t> record_count(simdjson::dom::element record, const char* what,
                                  const char* key) {
    std::int64_t n = 0;
    if (record[key].get(n) != simdjson::SUCCESS || n < 0)
        return tl::unexpected(record_error(what, std::string(".") + key + ": missing integer"));
    return n;
}

Result<std::string> record_sha(simdjson::dom::element record, const char* what, const char* key) {
    SHIPLOG_TRY_ASSIGN(auto sha, record_string(record, what, key));
    if (!ascii::is_hex40(sha))
        return tl::unexpected(record_error(
            what, std::string(".") + key + ": \"" + sha + "\" is not a 40-hex commit id"));
    return ascii::lower(sha);
}

}  // namespace shiplog::tracking::detail
