// The API's TLS context from the configuration: TLS 1.2 or newer, the
// certificate chain and private key from PEM files.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "daemon/config.h"

namespace posd {

Result<boost::asio::ssl::context> make_tls_context(const Config& config);

}  // namespace posd
