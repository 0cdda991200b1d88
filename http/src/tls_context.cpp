#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace shiplog::http {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsFiles& files) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    // TLS 1.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only --
    // no static RSA, no CBC, no SHA-1 MACs. TLS 1.3 suites are all AEAD and
    // keep OpenSSL's defaults.
    static constexpr const char* k_tls12_ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    if (SSL_CTX_set_cipher_list(native, k_tls12_ciphers) != 1)
        return fail(ErrorCode::config, "cannot set up TLS: cipher list refused by OpenSSL");

    const std::string cert = files.certificate.string();
    const std::string key = files.private_key.string();
    if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
        ERR_clear_error();
        return fail(ErrorCode::config,
                    "server.tls_certificate: cannot load certificate chain from " + cert);
    }
    if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        // OpenSSL already rejects a key that does not belong to the loaded
        // certificate here (X509_R_KEY_VALUES_MISMATCH); say so instead of
        // "cannot load".
        const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
        ERR_clear_error();
        return fail(ErrorCode::config,
                    mismatch ? "server.tls_private_key: " + key +
                                   " does not match server.tls_certificate " + cert
                             : "server.tls_private_key: cannot load private key from " + key);
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        return fail(ErrorCode::config,
                    "server.tls_private_key: does not match server.tls_certificate");
    }
    return ctx;
}

}  // namespace shiplog::http
