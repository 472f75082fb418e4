#include <catch2/catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "storage/store_key.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {
unsigned mode_of(const std::string& path) {
  struct stat st{};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("the store key is made once, 0600, and loads again the same", "[key]") {
  test::TempDir dir;
  const auto priv = dir.file("k"), pub = dir.file("k.pub");
  auto k1 = StoreKey::load_or_create(priv, pub);
  REQUIRE(k1);
  CHECK(mode_of(priv) == 0600);
  CHECK(mode_of(pub) == 0644);
  auto k2 = StoreKey::load_or_create(priv, pub);
  REQUIRE(k2);
  CHECK(k1->public_key().pem() == k2->public_key().pem());

  const std::string sig = k1->sign("message");
  CHECK(sig.size() == 64);
  CHECK(k2->public_key().verify("message", sig));
  CHECK_FALSE(k2->public_key().verify("messagE", sig));
  auto from_file = PublicKey::load(pub);
  REQUIRE(from_file);
  CHECK(from_file->verify("message", sig));
}

TEST_CASE("a lost private key is never replaced quietly", "[key]") {
  test::TempDir dir;
  const auto priv = dir.file("k"), pub = dir.file("k.pub");
  REQUIRE(StoreKey::load_or_create(priv, pub));
  ::unlink(priv.c_str());
  auto k = StoreKey::load_or_create(priv, pub);
  REQUIRE_FALSE(k);
  CHECK_THAT(k.status().message(), Catch::Contains("missing"));
}

TEST_CASE("a missing public half is rebuilt from the private key", "[key]") {
  test::TempDir dir;
  const auto priv = dir.file("k"), pub = dir.file("k.pub");
  auto k1 = StoreKey::load_or_create(priv, pub);
  ::unlink(pub.c_str());
  auto k2 = StoreKey::load_or_create(priv, pub);
  REQUIRE(k2);
  CHECK(PublicKey::load(pub)->pem() == k1->public_key().pem());
}

TEST_CASE("a public key file of another pair, or not a key, is refused", "[key]") {
  test::TempDir dir;
  REQUIRE(StoreKey::load_or_create(dir.file("a"), dir.file("a.pub")));
  REQUIRE(StoreKey::load_or_create(dir.file("b"), dir.file("b.pub")));
  auto mixed = StoreKey::load_or_create(dir.file("a"), dir.file("b.pub"));
  REQUIRE_FALSE(mixed);
  CHECK(mixed.status().code() == Status::Code::corruption);
  test::write_text(dir.file("junk.pub"), "not a key");
  CHECK_FALSE(PublicKey::load(dir.file("junk.pub")));
  CHECK_FALSE(PublicKey::load(dir.file("absent.pub")));
}

TEST_CASE("the store key signs the same bytes as OpenSSL's Ed25519 does with the key file", "[key]") {
  test::TempDir dir;
  const auto priv = dir.file("k"), pub = dir.file("k.pub");
  auto key = StoreKey::load_or_create(priv, pub);
  REQUIRE(key);
  std::ifstream in(priv);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> k(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr), EVP_PKEY_free);
  BIO_free(bio);
  REQUIRE(k);
  for (const std::string& message : {std::string(), std::string("message"), std::string(32, '\x7f'), std::string(1000, 'x')}) {
    unsigned char sig[64];
    size_t len = sizeof sig;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    REQUIRE(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, k.get()) == 1);
    REQUIRE(EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1);
    EVP_MD_CTX_free(ctx);
    CHECK(key->sign(message) == std::string(reinterpret_cast<const char*>(sig), len));
    CHECK(key->public_key().verify(message, key->sign(message)));
  }
}

TEST_CASE("a private key file whose key is not Ed25519 is refused", "[key]") {
  test::TempDir dir;
  const auto priv = dir.file("k");
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> k(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"), EVP_PKEY_free);
  REQUIRE(k);
  BIO* bio = BIO_new_file(priv.c_str(), "w");
  REQUIRE(PEM_write_bio_PrivateKey(bio, k.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  BIO_free(bio);
  auto key = StoreKey::load(priv);
  REQUIRE_FALSE(key);
  CHECK(key.status().message().find("not an Ed25519 private key") != std::string::npos);
}
