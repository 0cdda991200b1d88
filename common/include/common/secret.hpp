#pragma once
// A Secret holds a credential (PAT, webhook password, API token). It has no
// stream or format operators so it cannot end up in a log line by accident;
// the one way out is reveal(), which is easy to grep for.

#include <string>
#include <string_view>

namespace shiplog {

class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : m_value(std::move(value)) {}

    const std::string& reveal() const { return m_value; }
    bool empty() const { return m_value.empty(); }

    // Constant-time in the contents of both values (lengths leak only through
    // a fixed-size digest comparison).
    bool matches(std::string_view candidate) const;

  private:
    std::string m_value;
};

// Constant-time equality of two byte strings of any length: both are hashed
// with SHA-256 and the digests compared with CRYPTO_memcmp.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace shiplog
