#pragma once
// Expected failures are values: every fallible operation in shiplog returns
// Result<T> (tl::expected, because std::expected does not build with clang 14,
// which the fuzzers need). Exceptions are reserved for "cannot happen".

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace shiplog {

enum class ErrorCode {
    invalid_argument,  // the caller's input is wrong (bad payload, bad flag value)
    not_found,         // the thing asked for does not exist
    config,            // the configuration is invalid
    io,                // a file or socket operation failed
    store_full,        // the LMDB map is full: raise storage.max_size_mb
    store,             // any other store failure
    unavailable,       // transient: try again later (maps to 503)
    conflict,          // the request contradicts stored state
    unauthorized,      // missing or wrong credentials
    remote,            // Azure DevOps answered with an error
};

// Messages echo values from untrusted input (a bad sha, a bad date, an
// exception's what(), a remote server's reason); a raw newline in one would
// forge a second log line. Control characters are therefore written as
// escapes: `\n`, `\r`, `\t`, `\xNN`.
std::string one_line(std::string message);

struct Error {
    // Every construction (`fail()`, `Error{...}`, `return {code, text}`)
    // goes through one_line(), so no call site can forget it.
    Error(ErrorCode code_, std::string message_)
        : code(code_), message(one_line(std::move(message_))) {}

    ErrorCode code;
    std::string message;  // one line, names the file/field/value at fault, never a secret
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace shiplog

// Early return for Result/Status (ccache's TRY, absl's RETURN_IF_ERROR):
//   SHIPLOG_TRY(write(x));                   // returns the error of a failed write
//   SHIPLOG_TRY_ASSIGN(auto n, count(x));    // declares n from a Result, or returns its error
//   SHIPLOG_TRY_ASSIGN(total, count(x));     // assigns to an existing variable
// The enclosing function returns a Result or Status.
#define SHIPLOG_TRY(expr)                                                             \
    do {                                                                              \
        if (auto shiplog_try_ = (expr); !shiplog_try_)                                \
            return tl::unexpected<::shiplog::Error>(std::move(shiplog_try_.error())); \
    } while (0)

#define SHIPLOG_TRY_CONCAT_(a, b) a##b
#define SHIPLOG_TRY_NAME_(line) SHIPLOG_TRY_CONCAT_(shiplog_try_, line)
#define SHIPLOG_TRY_ASSIGN(target, expr) \
    SHIPLOG_TRY_ASSIGN_(SHIPLOG_TRY_NAME_(__LINE__), target, expr)
#define SHIPLOG_TRY_ASSIGN_(tmp, target, expr)                                 \
    auto tmp = (expr);                                                         \
    if (!tmp) return tl::unexpected<::shiplog::Error>(std::move(tmp.error())); \
    target = std::move(*tmp)
