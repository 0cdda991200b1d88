#include "common/secret.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace shiplog {

bool constant_time_equals(std::string_view a, std::string_view b) {
    unsigned char da[SHA256_DIGEST_LENGTH];
    unsigned char db[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
    SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
    return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

bool Secret::matches(std::string_view candidate) const {
    return !m_value.empty() && constant_time_equals(m_value, candidate);
}

}  // namespace shiplog
