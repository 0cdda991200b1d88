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
