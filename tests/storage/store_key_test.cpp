#include <catch2/catch.hpp>

#include <sys/stat.h>

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
