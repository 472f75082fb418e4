#include "storage/store_key.h"

#include "base/file_text.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>

namespace posd {

namespace {

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) { return {k, EVP_PKEY_free}; }

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string pem_of(EVP_PKEY* k, bool private_part) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_part) PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  else PEM_write_bio_PUBKEY(bio, k);
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  std::string out(p, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

bool is_ed25519(EVP_PKEY* k) { return k && EVP_PKEY_is_a(k, "ED25519"); }

}  // namespace

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  auto key = own(k);
  if (!is_ed25519(k)) return Status::invalid_argument("not an Ed25519 public key in PEM form");
  std::array<unsigned char, 32> raw;
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(k, raw.data(), &len) != 1 || len != raw.size()) {
    return Status::invalid_argument("not an Ed25519 public key in PEM form");
  }
  if (sodium_init() < 0) return Status::io_error("libsodium cannot start");
  return PublicKey(raw, pem_of(k, false));
}

Result<PublicKey> PublicKey::load(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  auto key = from_pem(*text);
  if (!key) return Status::invalid_argument(path + ": " + key.status().message());
  return key;
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  return signature.size() == crypto_sign_BYTES &&
         crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     raw_.data()) == 0;
}

Result<StoreKey> StoreKey::load(const std::string& private_path) {
  auto text = read_file(private_path);
  if (!text) return text.status();
  BIO* bio = BIO_new_mem_buf(text->data(), static_cast<int>(text->size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  auto key = own(k);
  if (!is_ed25519(k)) return Status::invalid_argument(private_path + ": not an Ed25519 private key in PEM form");
  auto pub = PublicKey::from_pem(pem_of(k, false));  // also starts libsodium
  if (!pub) return pub.status();
  std::shared_ptr<Secret> secret(new Secret, [](Secret* s) {
    sodium_memzero(s->data(), s->size());
    delete s;
  });
  unsigned char seed[crypto_sign_SEEDBYTES], public_raw[crypto_sign_PUBLICKEYBYTES];
  size_t seed_len = sizeof seed;
  const bool made = EVP_PKEY_get_raw_private_key(k, seed, &seed_len) == 1 && seed_len == sizeof seed &&
                    crypto_sign_seed_keypair(public_raw, secret->data(), seed) == 0;
  sodium_memzero(seed, sizeof seed);
  // The pair libsodium derives from the seed must be the one the files hold.
  if (!made || std::memcmp(public_raw, pub->raw_.data(), sizeof public_raw) != 0) {
    return Status::invalid_argument(private_path + ": its Ed25519 key cannot be read for signing");
  }
  return StoreKey(std::move(secret), std::move(*pub));
}

Result<StoreKey> StoreKey::load_or_create(const std::string& private_path,
                                          const std::string& public_path) {
  if (exists(private_path)) {
    auto key = load(private_path);
    if (!key) return key;
    if (!exists(public_path)) {
      // A crash between the two renames at creation: the public half follows from the private.
      if (Status s = write_file(public_path, key->public_key().pem(), 0644); !s) return s;
      return key;
    }
    auto pub = PublicKey::load(public_path);
    if (!pub) return pub.status();
    if (pub->pem() != key->public_key().pem()) {
      return Status::corruption(public_path + " does not belong to the private key " + private_path);
    }
    return key;
  }
  if (exists(public_path)) {
    return Status::not_found("the store's private key " + private_path + " is missing but " +
                             public_path + " exists; restore the key from backup, never replace it");
  }
  auto k = own(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!k) return Status::io_error("cannot generate an Ed25519 key");
  if (Status s = write_file(private_path, pem_of(k.get(), true), 0600); !s) return s;
  if (Status s = write_file(public_path, pem_of(k.get(), false), 0644); !s) return s;
  return load(private_path);
}

std::string StoreKey::sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  if (crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           secret_->data()) != 0) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(sig), sizeof sig);
}

}  // namespace posd
