#include <catch2/catch.hpp>

#include "base/digest.h"
#include "checkout/receipt_code.h"
#include "tests/support/temp_dir.h"

using namespace posd;

namespace {

struct Signed {
  test::TempDir dir;
  StoreKey key = *StoreKey::load_or_create(dir.file("s.key"), dir.file("s.pub"));
  std::string code_of(const Sale& s, const std::string& store) {
    ReceiptCode c = receipt_code_of(s, store);
    return c.signed_text(key.sign(c.digest()));
  }
};

Sale sale() {
  Sale s;
  s.receipt_no = 42;
  s.seq = 1234;
  s.business_day = "2026-12-01";
  s.total = 829;
  s.currency = "EUR";
  return s;
}

}  // namespace

TEST_CASE("a receipt code verifies with the store's key, and fails when altered or under another key", "[receipt]") {
  Signed store;
  const std::string code = store.code_of(sale(), "STORE:7");
  CHECK(code.rfind("posd1:STORE:7:42:1234:2026-12-01:829:EUR:", 0) == 0);
  auto read = read_receipt_code(code);
  REQUIRE(read);
  CHECK(read->store_id == "STORE:7");
  CHECK(read->total == 829);
  CHECK(verify_receipt_code(*read, store.key.public_key()));

  SECTION("an altered amount") {
    std::string altered = code;
    altered.replace(altered.find(":829:"), 5, ":289:");
    auto c = read_receipt_code(altered);
    REQUIRE(c);
    CHECK(verify_receipt_code(*c, store.key.public_key()).message() ==
          "the signature is not the store key's: the receipt was altered, or it is another store's");
  }
  SECTION("another store's key") {
    Signed other;
    CHECK_FALSE(verify_receipt_code(*read, other.key.public_key()));
    CHECK_FALSE(verify_receipt_code(*read_receipt_code(other.code_of(sale(), "STORE:7")), store.key.public_key()));
  }
  SECTION("another spelling of a signed number, or an upper-case signature, is no code: the text checked is the text signed") {
    const std::string sig = code.substr(code.rfind(':') + 1);
    std::string upper = sig;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (const std::string& other : {"posd1:STORE:7:042:1234:2026-12-01:829:EUR:" + sig,
                                     "posd1:STORE:7:42:01234:2026-12-01:829:EUR:" + sig,
                                     "posd1:STORE:7:42:1234:2026-12-01:0829:EUR:" + sig,
                                     "posd1:STORE:7:42:1234:2026-12-01:-0:EUR:" + sig,
                                     "posd1:STORE:7:42:1234:2026-12-01:829:EUR:" + upper}) {
      INFO(other);
      CHECK_FALSE(read_receipt_code(other));
    }
  }
  SECTION("codes that are not codes") {
    for (const char* bad : {"", "posd1:", "posd2:S:1:2:d:3:EUR:" , "posd1:S:x:2:d:3:EUR:00", "posd1:S:1:2:d:3:EUR:abc"}) {
      INFO(bad);
      CHECK_FALSE(read_receipt_code(bad));
    }
  }
}
