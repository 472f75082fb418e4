#include "daemon/tls.h"

namespace posd {

namespace ssl = boost::asio::ssl;

Result<ssl::context> make_tls_context(const Config& config) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(config.tls_certificate, ec);
  if (ec) return Status::invalid_argument("tls.certificate: cannot load " + config.tls_certificate + ": " + ec.message());
  // The message names the file, never the key's content.
  ctx.use_private_key_file(config.tls_private_key, ssl::context::pem, ec);
  if (ec) return Status::invalid_argument("tls.private_key: cannot load " + config.tls_private_key + ": " + ec.message());
  return ctx;
}

}  // namespace posd
