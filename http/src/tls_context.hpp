#pragma once
// The TLS settings of the edge: TLS 1.2 with forward-secret AEAD suites only,
// and TLS 1.3 (Mozilla's "intermediate" profile without finite-field DHE).

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "common/error.hpp"
#include "http/server.hpp"

namespace shiplog::http {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsFiles& files);

}  // namespace shiplog::http
