// The canonical reader takes a text exactly when it is the dump of what it
// parses to (with no float), and then reads the same document parse_json does.
#include <catch2/catch.hpp>

#include <random>

#include "base/canonical_json.h"
#include "base/json_text.h"
#include "tests/base/random_json.h"

using namespace posd;
using json = nlohmann::json;

namespace {

bool float_in(const json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (float_in(v)) return true;
    }
  }
  return false;
}

// What the general way says of `text`: canonical (its own dump, no float) or not.
bool canonical_the_long_way(const std::string& text) {
  auto j = parse_json(text);
  if (!j || float_in(*j)) return false;
  try {
    return j->dump() == text;
  } catch (const json::exception&) {
    return false;  // invalid UTF-8
  }
}

void agree(const std::string& text) {
  std::string shown;
  for (unsigned char c : text) shown += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : "\\x" + std::to_string(c);
  INFO(shown);
  CanonicalReader r(text);
  json got;
  const bool read = r.value(got) && r.done();
  const bool canonical = canonical_the_long_way(text);
  CHECK(read == canonical);
  if (read && canonical) CHECK(got == *parse_json(text));
}

// Every kind of character the canonical form escapes or keeps as it is.
const std::vector<std::string> kCanonicalPieces = {"a", "Z", "é", "€", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "𝄞", " ", "/", "0"};

}  // namespace

TEST_CASE("the canonical reader takes a text exactly when it is its own dump with no float, and reads what parse_json reads", "[json]") {
  for (const char* text : {
           R"({})", R"([])", R"({"a":1,"b":[true,false,null],"c":{"d":"e"}})", R"({"b":1,"a":2})", R"({"a":1,"a":2})",
           R"({"a":1, "b":2})", R"( {"a":1})", R"({"a":1} )", R"({"a":-0})", R"({"a":0})", R"({"a":01})", R"({"a":-1})",
           R"({"a":1.5})", R"({"a":1e3})", R"({"a":1E3})", R"({"a":18446744073709551615})", R"({"a":18446744073709551616})",
           R"({"a":-9223372036854775808})", R"({"a":-9223372036854775809})", R"({"a":"\/"})", R"({"a":"\u0001"})",
           R"({"a":"\u001F"})", R"({"a":"\u001f"})", R"({"a":"\u000a"})", R"({"a":"\n"})", R"({"a":"\u0041"})", R"({"a":"\"\\"})",
           R"({"a":"é"})", R"({"a":"\u00e9"})", R"({"":1,"a":2})", R"({"a":2,"":1})", R"({"B":1,"a":2})", R"({"a":1,"B":2})",
           R"(["x",])", R"([,])", R"({"a"})", R"({"a":})", R"("text")", R"(12)", R"(nul)", R"(truex)", R"({"a":tru})",
       }) {
    agree(text);
  }
  SECTION("UTF-8 as the dump writes it and nlohmann's lexer takes it") {
    for (const std::string& bytes : std::vector<std::string>{"\xC3\xA9", "\xC0\x80", "\xC2", "\xED\xA0\x80", "\xED\x9F\xBF", "\xEF\xBF\xBF", "\xF0\x9D\x84\x9E",
                                    "\xF0\x80\x80\x80", "\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x7F",
                                    "\x80", "\x1F", std::string("\0", 1)}) {
      agree("{\"a\":\"" + bytes + "\"}");
      agree("{\"" + bytes + "\":1}");
    }
  }
  SECTION("nested deeper than its limit it refuses (the general way reads it), never the stack's limit") {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += '[';
    CanonicalReader r(deep);
    json ignored;
    CHECK_FALSE(r.value(ignored));
    std::string within = "{\"a\":";
    for (int i = 0; i < CanonicalReader::kMaxDepth - 2; ++i) within += '[';
    within += std::string(CanonicalReader::kMaxDepth - 2, ']') + "}";
    agree(within);
  }
  SECTION("the dump of any document without a float is read back as that document") {
    std::mt19937 rng(20261205);
    for (int i = 0; i < 2000; ++i) {
      const json doc = test::random_document(rng, kCanonicalPieces);
      const std::string text = doc.dump();
      INFO(text);
      CanonicalReader r(text);
      json got;
      REQUIRE(r.value(got));
      CHECK(r.done());
      CHECK(got == doc);
      CHECK(got.dump() == text);
    }
  }
}

TEST_CASE("canonical_document reads posd's own text in one pass and any other JSON the general way", "[json]") {
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    const json doc = test::random_document(rng, kCanonicalPieces);
    CHECK(canonical_document(doc.dump()) == doc);
    CHECK(canonical_document(doc.dump(2)) == doc);  // not canonical: read all the same
  }
  CHECK(canonical_document("{\"b\":1,\"a\":2.5}") == json{{"a", 2.5}, {"b", 1}});
  CHECK_THROWS_AS(canonical_document("{\"a\":"), json::parse_error);
}
