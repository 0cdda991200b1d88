#pragma once
// Private to tracking: reading back the derived records stored as JSON
// (register_deploy, incident impacts, the work queue's look-up answers).
// Records are small and parsed on the writer thread or a request thread:
// one DOM parser per thread. Errors are invalid_argument naming `what`
// (the kind of record) and the field.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "common/error.hpp"

namespace shiplog::tracking::detail {

// The record's root, which must be an object. Valid until this thread's
// next parse_record.
Result<simdjson::dom::element> parse_record(std::string_view raw, const char* what);

Result<std::string> record_string(simdjson::dom::element record, const char* what, const char* key);

// Each (key, out) pair's string, or the error of the first one missing.
Status record_strings(simdjson::dom::element record, const char* what,
                      std::initializer_list<std::pair<const char*, std::string*>> fields);

// An integer field that must be > 0 (an Azure DevOps id).
Result<std::int64_t> record_positive_id(simdjson::dom::element record, const char* what,
                                        const char* key);

// An integer field that must be >= 0.
Result<std::int64_t> record_count(simdjson::dom::element record, const char* what, const char* key);

// A sha field: 40 hex digits, returned in lower case.
Result<std::string> record_sha(simdjson::dom::element record, const char* what,
                               const char* key = "sha");

Error record_error(const char* what, const std::string& why);

}  // namespace shiplog::tracking::detail
