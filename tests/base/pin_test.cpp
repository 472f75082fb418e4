// PINs: their form, and their scrypt hash (base/pin.h).
#include <catch2/catch.hpp>

#include "base/pin.h"

using namespace posd;

TEST_CASE("a PIN is 4 to 8 digits", "[pin]") {
  for (const char* ok : {"1234", "00000000", "9876543"}) CHECK(valid_pin(ok));
  for (const char* bad : {"", "123", "123456789", "12a4", " 1234", "١٢٣٤", "12.4"}) {
    INFO(bad);
    CHECK_FALSE(valid_pin(bad));
  }
}

TEST_CASE("a PIN is kept as a salted scrypt hash that only it matches", "[pin]") {
  const std::string h = hash_pin("1234");
  CHECK(h.rfind("scrypt$14$8$1$", 0) == 0);
  CHECK(h.find("1234") == std::string::npos);
  CHECK(valid_pin_hash(h));
  CHECK(pin_matches("1234", h));
  CHECK_FALSE(pin_matches("1235", h));
  CHECK_FALSE(pin_matches("12345", h));
  // A new salt each time: the same PIN never gives the same hash.
  const std::string again = hash_pin("1234");
  CHECK(again != h);
  CHECK(pin_matches("1234", again));
}

TEST_CASE("a malformed hash, or one asking scrypt for too much, matches nothing", "[pin]") {
  const std::string h = hash_pin("1234");
  const std::string salt_and_key = h.substr(std::string("scrypt$14$8$1$").size());
  for (const std::string& bad : {std::string(""), "pbkdf2$" + h.substr(7), "scrypt$20$8$1$" + salt_and_key,
                                 "scrypt$16$16$1$" + salt_and_key, "scrypt$14$8$1$" + salt_and_key.substr(2),
                                 "scrypt$14$8$1$" + salt_and_key + "00", "scrypt$x$8$1$" + salt_and_key}) {
    INFO(bad);
    CHECK_FALSE(valid_pin_hash(bad));
    CHECK_FALSE(pin_matches("1234", bad));
  }
}
