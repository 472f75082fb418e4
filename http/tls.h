// A server's TLS context: TLS 1.2 or newer, the certificate chain and the
// private key from PEM files. A failure names the file (by `label`), never
// the key's content.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <string>

#include "base/status.h"

namespace posd::http {

Result<boost::asio::ssl::context> server_tls(const std::string& certificate, const std::string& private_key,
                                             const std::string& certificate_label = "certificate",
                                             const std::string& key_label = "private key");

}  // namespace posd::http
