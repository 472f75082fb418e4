#include "http/tls.h"

namespace posd::http {

namespace ssl = boost::asio::ssl;

Result<ssl::context> server_tls(const std::string& certificate, const std::string& private_key,
                                const std::string& certificate_label, const std::string& key_label) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(certificate, ec);
  if (ec) return Status::invalid_argument(certificate_label + ": cannot load " + certificate + ": " + ec.message());
  ctx.use_private_key_file(private_key, ssl::context::pem, ec);
  if (ec) return Status::invalid_argument(key_label + ": cannot load " + private_key + ": " + ec.message());
  return ctx;
}

}  // namespace posd::http
