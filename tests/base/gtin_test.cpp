#include <catch2/catch.hpp>

#include "base/gtin.h"

using namespace posd::barcode;

TEST_CASE("GS1 check digits", "[gtin]") {
  struct Row { const char* body; char check; };
  for (Row r : {Row{"400638133393", '1'}, Row{"9638507", '4'}, Row{"03600029145", '2'},
                Row{"1001234567890", '2'}, Row{"0000000", '0'}}) {
    INFO(r.body);
    CHECK(gs1_check_digit(r.body) == r.check);
  }
  CHECK_FALSE(gs1_check_digit(""));
  CHECK_FALSE(gs1_check_digit("12a4"));
}

TEST_CASE("GTINs normalise to 14 digits, and bad ones say why", "[gtin]") {
  struct Row { const char* in; const char* gtin14; };
  for (Row r : {Row{"4006381333931", "04006381333931"}, Row{"96385074", "00000096385074"},
                Row{"036000291452", "00036000291452"}, Row{"10012345678902", "10012345678902"}}) {
    INFO(r.in);
    auto g = parse_gtin(r.in);
    REQUIRE(g.gtin);
    CHECK(g.gtin->gtin14 == r.gtin14);
  }
  CHECK(parse_gtin("4006381333932").error == GtinError::bad_check_digit);
  CHECK(parse_gtin("40063813339").error == GtinError::bad_length);
  CHECK(parse_gtin("4006381 33931").error == GtinError::not_digits);
  CHECK(parse_gtin("").error == GtinError::not_digits);
}
