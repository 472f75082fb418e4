#include "daemon/tls.h"

#include "http/tls.h"

namespace posd {

Result<boost::asio::ssl::context> make_tls_context(const Config& config) {
  return http::server_tls(config.tls_certificate, config.tls_private_key, "tls.certificate", "tls.private_key");
}

}  // namespace posd
