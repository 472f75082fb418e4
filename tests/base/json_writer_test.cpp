// The one-pass writer gives, for any document whose keys it is handed in
// order, exactly the text to_json_text gives: the same escapes, the same
// integers, the same replacement of text that is not UTF-8.
#include <catch2/catch.hpp>

#include <limits>
#include <random>

#include "base/json_fields.h"
#include "base/json_writer.h"
#include "tests/base/random_json.h"

using namespace posd;
using json = nlohmann::json;

namespace {

// Writes `j` with the writer, walking it as a caller would (an object's
// keys come in ascending order: nlohmann keeps them so).
void write(JsonWriter& w, const json& j) {
  if (j.is_object()) {
    w.open_object();
    for (const auto& [k, v] : j.items()) write(w.key(k), v);
    w.close_object();
  } else if (j.is_array()) {
    w.open_array();
    for (const json& v : j) write(w, v);
    w.close_array();
  } else if (j.is_string()) {
    w.value(j.get_ref<const std::string&>());
  } else if (j.is_boolean()) {
    w.value(j.get<bool>());
  } else if (j.is_number_unsigned()) {
    w.value(j.get<uint64_t>());
  } else if (j.is_number_integer()) {
    w.value(j.get<int64_t>());
  } else {
    w.value(j);  // null
  }
}

std::string written(const json& j) {
  JsonWriter w;
  write(w, j);
  return w.take();
}

// Every kind of byte that needs care: quotes, backslashes, control
// characters, DEL, UTF-8 of each length, and bytes that are no UTF-8 at all.
const std::vector<std::string> kWriterPieces = {"a", "Z", "7", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r",
                                          std::string(1, '\0'), "\x01", "\x1f", "\x7f", "é", "€", "😀",
                                          "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf"};

}  // namespace

TEST_CASE("the writer's text is to_json_text's for the same document", "[json]") {
  const json edges = {{"min", std::numeric_limits<int64_t>::min()}, {"max", std::numeric_limits<int64_t>::max()},
                      {"umax", std::numeric_limits<uint64_t>::max()}, {"zero", 0}, {"minus", -1},
                      {"empty", ""}, {"nested", {{"a", json::array()}, {"b", json::object()}, {"c", {1, true, nullptr}}}},
                      {"control", std::string("\x00\x01\x1f\x7f", 4)}, {"not utf-8", "ab\xff" "cd\xc3"}};
  CHECK(written(edges) == to_json_text(edges));
  // Plain text on both sides of the one-append path's 60 bytes, as keys and values.
  json lengths = json::object();
  for (size_t n : {0, 1, 59, 60, 61, 62, 64, 200}) lengths[std::string(n, 'k')] = std::string(n, 'v');
  lengths["tail"] = json::array({std::string(60, 'x') + "\"", std::string(61, 'y'), "é"});
  CHECK(written(lengths) == to_json_text(lengths));
  std::mt19937 rng(20261205);
  for (int i = 0; i < 3000; ++i) {
    const json j = test::random_document(rng, kWriterPieces);
    const std::string want = to_json_text(j);
    INFO(want);
    REQUIRE(written(j) == want);
  }
}

TEST_CASE("the writer puts commas between elements only", "[json]") {
  JsonWriter w;
  w.open_array().value(1).open_object().close_object().open_array().close_array().value("x");
  w.open_object().field("a", 1).field("b", true).key("c").open_array().value(2).value(3).close_array().close_object();
  w.close_array();
  CHECK(w.take() == R"([1,{},[],"x",{"a":1,"b":true,"c":[2,3]}])");
}
