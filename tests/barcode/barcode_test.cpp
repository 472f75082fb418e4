// What scanners send, and what posd makes of it. Expected values come from
// the GS1 General Specifications' examples where it gives them.
#include <catch2/catch.hpp>

#include "barcode/barcode.h"
#include "base/gtin.h"
#include "barcode/variable_measure.h"

using namespace posd::barcode;

namespace {

const std::string GS(1, kGroupSeparator);

// `body` (12 digits) with its GTIN check digit.
std::string with_check(const std::string& body) { return body + *gs1_check_digit(body); }

}  // namespace

TEST_CASE("GTINs with and without symbology identifiers", "[barcode]") {
  struct Row {
    std::string data, symbology, gtin;
  };
  const std::vector<Row> rows = {
      {"4006381333931", "EAN-13", "04006381333931"},
      {"]E04006381333931", "EAN-13", "04006381333931"},
      {"]E3400638133393112345", "EAN-13", "04006381333931"},  // with a 5-digit add-on
      {"96385074", "EAN-8", "00000096385074"},
      {"]E496385074", "EAN-8", "00000096385074"},
      {"036000291452", "UPC-A", "00036000291452"},
      {"0036000291452", "UPC-A", "00036000291452"},
      // UPC-E's check digit is the expanded UPC-A's. Bare, eight digits that
      // are also a valid EAN-8 are read as EAN-8; with identifiers, ]E4 says
      // EAN-8 and ]E0 carries UPC-E in full (13 digits).
      {"04252614", "UPC-E", "00042100005264"},
      {"01234565", "EAN-8", "00000001234565"},
      {"]E00012345000065", "UPC-A", "00012345000065"},
      {"10012345000017", "ITF-14", "10012345000017"},
      {"]I110012345000017", "ITF-14", "10012345000017"},
      {"4006381333931\r\n", "EAN-13", "04006381333931"},  // a serial scanner's suffix
  };
  for (const Row& r : rows) {
    INFO(r.data);
    Scan s = read_scan(r.data);
    CHECK(s.valid);
    CHECK(s.error.empty());
    CHECK(s.symbology == r.symbology);
    REQUIRE(s.gtin);
    CHECK(*s.gtin == r.gtin);
    CHECK(s.lookup == r.gtin);
  }
}

TEST_CASE("UPC-E expands by its last digit", "[barcode]") {
  CHECK(expand_upce("01234565") == "012345000065");  // 5–9: manufacturer's five digits
  CHECK(expand_upce("04252614") == "042100005264");  // 0–2: three digits and the sixth
  const char c3 = *gs1_check_digit("01230000045"), c4 = *gs1_check_digit("01234000005");
  CHECK(expand_upce(std::string("0123453") + c3) == std::string("01230000045") + c3);  // 3
  CHECK(expand_upce(std::string("0123454") + c4) == std::string("01234000005") + c4);  // 4
  CHECK_FALSE(expand_upce("01234566"));  // bad check digit
  CHECK_FALSE(expand_upce("21234565"));  // number system 2 is not UPC-E
}

TEST_CASE("bad codes say why", "[barcode]") {
  struct Row {
    std::string data, error;
  };
  const std::vector<Row> rows = {
      {"4006381333932", "bad check digit"},
      {"]X94006381333931", "unknown symbology identifier \"]X9\""},
      {"", "empty scan"},
      {"]Q1", "no data after the symbology identifier"},  // found by barcode_fuzz
      {"12345", "a GTIN has 8, 12, 13 or 14 digits"},
      {"]C10109506000134353", "AI 01: bad check digit"},
      {"]C101095060001343521", "unknown AI at \"1\""},
      {"]C10109506000134352" "17251331", "AI 17: not a valid date YYMMDD"},
      {"]C10109506000134352" "10ABCDEFGHIJKLMNOPQRSTU", "AI 10: longer than 20 characters"},
      {"]C10109506000134352" "10AB CD", "AI 10: a character outside GS1's set"},
      {"]C199", "AI 99: no data"},
      {"]C10109506000134352" + GS + "0109506000134352", "AI 01: given twice"},
      {"(01)09506000134352(1)X", "unknown AI (1)"},
      {"https://example.com/gtin/123", "a Digital Link URI must carry /01/ and a GTIN"},
      // Each AIM identifier's data rules (ISO/IEC 15424, GS1 General Specifications).
      {"]E0036000291452", "]E0 carries 13 digits (EAN-13, or UPC-A and UPC-E in full)"},  // 12: UPC-A not in full
      {"]E001234565", "]E0 carries 13 digits (EAN-13, or UPC-A and UPC-E in full)"},
      {"]E340063813339311234", "]E3 carries 13 digits and a 2- or 5-digit add-on"},
      {"]E44006381333931", "]E4 carries 8 digits (EAN-8)"},
      {"]I11001234500001", "]I1 (ITF) carries an even number of digits"},
      {"]A0abc", "]A0 (Code 39) carries only digits, capitals, space and - . $ / + %"},
      {"]C0caf\xc3\xa9", "]C0 (Code 128) carries ASCII only"},
      // An identifier cut through a multi-byte character is not echoed (it is not text).
      {"]X\xc3\xa9", "unknown symbology identifier"},
      {"]C1]Q3\xc3\xa9", "unknown AI at \"]Q3?\""},  // found by scanner_fuzz: a quote never holds half a character
  };
  for (const Row& r : rows) {
    INFO(r.data);
    Scan s = read_scan(r.data);
    CHECK_FALSE(s.valid);
    CHECK(s.error == r.error);
  }
}

TEST_CASE("GS1 element strings: fixed and variable fields, FNC1, dates", "[barcode][gs1]") {
  const std::string data = "]C10109506000134352" "17251231" "10ABC123" + GS + "21XYZ" + GS + "3103000195";
  Scan s = read_scan(data, {.this_year = 2025});
  REQUIRE(s.valid);
  CHECK(s.symbology == "GS1-128");
  CHECK(*s.gtin == "09506000134352");
  CHECK(s.ais == ElementString{{"01", "09506000134352"}, {"10", "ABC123"}, {"17", "251231"}, {"21", "XYZ"}, {"3103", "000195"}});
  CHECK(s.weight_g == 195);
  CHECK(*s.expiry == Date{2025, 12, 31});

  SECTION("the same in brackets, as printed under the code") {
    Scan h = read_scan("(01)09506000134352(17)251231(10)ABC123(21)XYZ(3103)000195", {.this_year = 2025});
    REQUIRE(h.valid);
    CHECK(h.ais == s.ais);
  }
  SECTION("the other GS1 carriers") {
    for (std::string aim : {"]e0", "]d2", "]Q3"}) {
      CHECK(read_scan(aim + "0109506000134352" "17251231").valid);
    }
  }
}

TEST_CASE("GS1 dates: day 00 is the month's last day, and the century slides", "[barcode][gs1]") {
  CHECK(*parse_date("240200", 2026) == Date{2024, 2, 29});
  CHECK(*parse_date("250200", 2026) == Date{2025, 2, 28});
  CHECK(*parse_date("251100", 2026) == Date{2025, 11, 30});
  CHECK(parse_date("990101", 2026)->year == 1999);   // more than 50 years ahead: last century
  CHECK(parse_date("760101", 2026)->year == 2076);   // 50 ahead: this one
  CHECK_FALSE(parse_date("250230", 2026));
  CHECK_FALSE(parse_date("251301", 2026));
  CHECK_FALSE(parse_date("25121", 2026));
}

TEST_CASE("weights and prices carried in AIs", "[barcode][gs1]") {
  CHECK(read_scan("(01)09506000134352(3102)001234").weight_g == 12340);   // 12.34 kg
  CHECK(read_scan("(01)09506000134352(3105)001234").weight_g == 12);      // 0.01234 kg, to the gram
  CHECK(read_scan("(01)09506000134352(3202)000150").weight_g == 680);     // 1.50 lb = 680.39 g
  CHECK(read_scan("(01)09506000134352(3922)001234").price_minor == 1234);
  CHECK(read_scan("(01)09506000134352(3921)001234").price_minor == 12340);
  CHECK(read_scan("(01)09506000134352(3923)001235").price_minor == 124);  // half up
  CHECK(read_scan("(01)09506000134352(3932)978001234").price_minor == 1234);
}

TEST_CASE("GS1 Digital Link URIs", "[barcode][gs1]") {
  Scan s = read_scan("https://id.gs1.org/01/09506000134352/10/AB%2F12?17=251231&utm_source=shelf", {.this_year = 2025});
  REQUIRE(s.valid);
  CHECK(s.symbology == "GS1 Digital Link");
  CHECK(*s.gtin == "09506000134352");
  CHECK(s.ais.at("10") == "AB/12");
  CHECK(*s.expiry == Date{2025, 12, 31});
  CHECK(read_scan("]Q1https://brand.example/01/4006381333931").gtin == "04006381333931");  // a GTIN-13 padded
  CHECK_FALSE(read_scan("https://id.gs1.org/01/09506000134353").valid);
}

TEST_CASE("price check digits follow GS1's 4- and 5-digit algorithms", "[barcode][measure]") {
  CHECK(price_check_digit("2875") == '9');   // GS1 General Specifications 7.9.3
  CHECK(price_check_digit("14685") == '6');  // 7.9.4
  CHECK(price_check_digit("00000") == '0');
  CHECK_FALSE(price_check_digit("123"));
}

TEST_CASE("variable-measure numbers by region", "[barcode][measure]") {
  SECTION("Germany: price behind a price check digit") {
    const std::string code = with_check("221234" "6" "14685");
    Scan s = read_scan(code, {.region = "DE"});
    REQUIRE(s.valid);
    CHECK(s.price_minor == 14685);
    CHECK(s.lookup == "0" + with_check("221234" "0" "00000"));
    CHECK(s.gtin == "0" + code);
    Scan bad = read_scan(with_check("221234" "5" "14685"), {.region = "DE"});
    CHECK_FALSE(bad.valid);
    CHECK(bad.error == "price check digit 5, expected 6");
  }
  SECTION("Germany: weight in grams") {
    Scan s = read_scan(with_check("281234" + std::string(1, *price_check_digit("01250")) + "01250"), {.region = "DE"});
    REQUIRE(s.valid);
    CHECK(s.weight_g == 1250);
  }
  SECTION("United Kingdom: a four-digit price in pence") {
    Scan s = read_scan(with_check("2012345" "9" "2875"), {.region = "GB"});
    REQUIRE(s.valid);
    CHECK(s.price_minor == 2875);
  }
  SECTION("Sweden and Norway: the prefix says price or weight and the decimals") {
    for (std::string region : {"SE", "NO"}) {
      INFO(region);
      CHECK(read_scan(with_check("20123456" "1995"), {.region = region}).price_minor == 1995);
      CHECK(read_scan(with_check("21123456" "1995"), {.region = region}).price_minor == 19950);
      CHECK(read_scan(with_check("22123456" "0019"), {.region = region}).price_minor == 1900);
      CHECK(read_scan(with_check("23123456" "0125"), {.region = region}).weight_g == 125);
      CHECK(read_scan(with_check("24123456" "0125"), {.region = region}).weight_g == 1250);
      CHECK(read_scan(with_check("25123456" "0125"), {.region = region}).weight_g == 12500);
    }
  }
  SECTION("Denmark and Finland") {
    CHECK(read_scan(with_check("211234" "001995"), {.region = "DK"}).price_minor == 1995);
    CHECK(read_scan(with_check("2712345" "01500"), {.region = "DK"}).weight_g == 1500);
    CHECK(read_scan(with_check("23123456" "0750"), {.region = "FI"}).weight_g == 750);
  }
  SECTION("without a region, or under one without a rule, it is an ordinary GTIN") {
    const std::string code = with_check("221234" "6" "14685");
    CHECK_FALSE(read_scan(code).price_minor);
    CHECK_FALSE(read_scan(code, {.region = "FI"}).price_minor);
    CHECK(read_scan(code, {.region = "FI"}).lookup == "0" + code);
  }
  CHECK(measure_regions() == std::vector<std::string>{"DE", "DK", "FI", "GB", "NO", "SE"});
}

TEST_CASE("text that is no GS1 code is looked up as it is", "[barcode]") {
  Scan s = read_scan("PEN-BLUE");
  CHECK_FALSE(s.valid);
  CHECK(s.lookup == "PEN-BLUE");
  CHECK(s.symbology == "text");
  CHECK(read_scan("]C0PEN-BLUE").symbology == "Code 128");
}
