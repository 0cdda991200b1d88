#pragma once
// Parser memory for request bodies, owned by whoever parses them.
//
// The webhook path parses a body once and reads it twice: the envelope, then
// the typed event that decides relevance. The parse travels between the two
// as a value (ParsedBody) that names the parser holding it, so nothing is
// cached per thread or looked up by buffer address, and two parsers on one
// thread never see each other's bodies.
//
// A JsonParser is not thread-safe: one thread uses it at a time. Its buffers
// grow to the largest body it parsed; release_memory gives them back.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/error.hpp"

namespace shiplog::handlers {

namespace detail {
struct ParserState;
class Document;
}  // namespace detail

// Bytes a caller-owned buffer must have readable after the body for
// JsonParser::parse to read it in place (simdjson's SIMDJSON_PADDING).
inline constexpr std::size_t k_json_padding = 64;

class JsonParser;

// One body, parsed and validated whole by a JsonParser. Valid until that
// parser parses again, releases its memory or is destroyed; the readers
// (parse_envelope, classify_event) refuse a stale one with an error instead
// of reading another body's parse. The body's bytes must not change while
// it is in use.
class ParsedBody {
  public:
    std::string_view text() const { return m_text; }

  private:
    friend class JsonParser;
    friend class detail::Document;
    ParsedBody(const JsonParser* parser, std::uint64_t generation, std::string_view text)
        : m_parser(parser), m_generation(generation), m_text(text) {}
    const JsonParser* m_parser;
    std::uint64_t m_generation;
    std::string_view m_text;
};

class JsonParser {
  public:
    JsonParser();
    ~JsonParser();
    JsonParser(const JsonParser&) = delete;
    JsonParser& operator=(const JsonParser&) = delete;

    // Parses `body`: "body is not valid JSON" (ErrorCode::invalid_argument)
    // unless it is exactly one well-formed JSON value. `capacity`: bytes
    // readable from body.data(); with k_json_padding of them past the body
    // the parse reads it in place, otherwise from a copy.
    Result<ParsedBody> parse(std::string_view body, std::size_t capacity);
    Result<ParsedBody> parse(std::string_view body) { return parse(body, body.size()); }

    // Gives back buffer memory beyond `keep_bytes` (a parse keeps several
    // times the largest body it saw). Invalidates the current ParsedBody.
    void release_memory(std::size_t keep_bytes);

  private:
    friend class detail::Document;
    std::unique_ptr<detail::ParserState> m_state;
};

}  // namespace shiplog::handlers
