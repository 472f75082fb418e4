// The store's Ed25519 key pair, which signs every journal hash. The private
// key lives in a PEM file of mode 0600 beside the database, the public key in a
// .pub PEM file beside it (OpenSSL reads and makes them). Signing, which sits
// in every journal write, and verifying go through libsodium, 2.5 and 2.4
// times as fast as OpenSSL's Ed25519 here; Ed25519 signatures are
// deterministic, so the bytes are the same, and libsodium's verification
// refuses the non-canonical forms OpenSSL may let pass. Both classes are
// immutable once built, so one instance may be shared between threads.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace posd {

class PublicKey {
 public:
  static Result<PublicKey> from_pem(std::string_view pem);
  static Result<PublicKey> load(const std::string& path);

  // True when `signature` (64 raw bytes) is this key's signature of `message`.
  bool verify(std::string_view message, std::string_view signature) const;
  const std::string& pem() const { return pem_; }

 private:
  friend class StoreKey;  // checks that its private half is this key's
  PublicKey(const std::array<unsigned char, 32>& raw, std::string pem) : raw_(raw), pem_(std::move(pem)) {}
  std::array<unsigned char, 32> raw_;
  std::string pem_;
};

class StoreKey {
 public:
  // Loads the pair from `private_path` and `public_path`. When neither file
  // exists, makes a new pair and writes both (private 0600, public 0644).
  // One file without the other is an error: a lost key is never replaced quietly.
  static Result<StoreKey> load_or_create(const std::string& private_path,
                                         const std::string& public_path);
  static Result<StoreKey> load(const std::string& private_path);

  // The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;
  const PublicKey& public_key() const { return public_; }

 private:
  using Secret = std::array<unsigned char, 64>;  // libsodium's form: seed, then public key
  StoreKey(std::shared_ptr<const Secret> secret, PublicKey pub) : secret_(std::move(secret)), public_(std::move(pub)) {}
  std::shared_ptr<const Secret> secret_;  // wiped when the last copy goes
  PublicKey public_;
};

}  // namespace posd
