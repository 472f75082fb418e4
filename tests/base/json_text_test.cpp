#include <catch2/catch.hpp>

#include "base/json_text.h"

using posd::parse_canonical;
using posd::parse_json;

TEST_CASE("a duplicate key is refused wherever it is, with where it is") {
  struct Row {
    const char* text;
    const char* why;
  };
  const Row rows[] = {
      {R"({"total":553,"total":1553})", "duplicate key \"total\""},
      {R"({"a":{"b":1,"b":2}})", "duplicate key \"b\" in /a"},
      {R"({"lines":[{"sku":"A","qty":1,"qty":9}]})", "duplicate key \"qty\" in /lines"},
      {R"({"4111111111111111":1,"4111111111111111":2})", "duplicate key (a key that cannot be shown)"},
      {R"({"4111 1111 1111 1111":{"a":1,"a":2}})", "duplicate key \"a\" in /…"},
      {R"({"x":4111111111111111e999})", "not JSON: a number out of range"},
      {R"({"a":[{"b":{"c":1,"c":2}}]})", "duplicate key \"c\" in /a/b"},
      // Text that is not JSON is named so, before any key it repeats.
      {R"({"a":1,"a":2,)", "not JSON (at byte 14)"},
      {R"({"a":1} x)", "not JSON (at byte 9)"},
      {R"({"a":"\ud800"})", "not JSON (at byte 13)"},
  };
  for (const Row& r : rows) {
    INFO(r.text);
    auto j = parse_json(r.text);
    REQUIRE_FALSE(j);
    CHECK(j.status().message() == r.why);
  }
  // Equal keys in different objects are not duplicates.
  CHECK(parse_json(R"({"a":{"x":1},"b":{"x":1},"x":[{"x":1},{"x":2}]})"));
}

TEST_CASE("the document read is nlohmann's own, whatever its shape") {
  for (const char* text : {"1", "\"s\"", "null", "[]", "{}", "[[],[{}],[1,[2,[3]]]]",
                           R"({"a":[{"b":[1,{"c":null}]},{"d":{}}],"e":18446744073709551615,"f":-1,"g":1.5})",
                           R"([{"a":1},{"a":2},{"a":3},{"a":4},{"a":5},{"a":6},{"a":7},{"a":8},{"a":9}])"}) {
    INFO(text);
    auto j = parse_json(text);
    REQUIRE(j);
    const nlohmann::json theirs = nlohmann::json::parse(text);
    CHECK(*j == theirs);
    CHECK(j->dump() == theirs.dump());
  }
}

TEST_CASE("the canonical form is the compact dump, byte for byte") {
  REQUIRE(parse_canonical(R"({"a":1,"b":"é","c":[1,-2]})"));
  struct Row {
    const char* text;
    const char* why;
  };
  const Row rows[] = {
      {R"({"b":1,"a":2})", "not in canonical form: the canonical form differs at byte 2"},
      {R"({"a": 1})", "not in canonical form: the canonical form differs at byte 5"},
      {R"({"a":"\u0041"})", "not in canonical form: the canonical form differs at byte 6"},
      {R"({"a":-0})", "not in canonical form: the canonical form differs at byte 5"},
      {R"({"a":1,"a":1})", "duplicate key \"a\""},
      {"{\"a\":\"\xff\"}", "not JSON (at byte 7)"},
  };
  for (const Row& r : rows) {
    INFO(r.text);
    auto j = parse_canonical(r.text);
    REQUIRE_FALSE(j);
    CHECK(j.status().message() == r.why);
  }
}
