// A random JSON document for the tests that compare two ways of reading or
// writing JSON: nulls, booleans, integers of both signs and both widths,
// strings made of `pieces`, objects and arrays nested up to about five deep.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace posd::test {

inline nlohmann::json random_document(std::mt19937& rng, const std::vector<std::string>& pieces, int depth = 0) {
  using json = nlohmann::json;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto text = [&] {
    std::string s;
    for (int i = pick(6); i > 0; --i) s += pieces[static_cast<size_t>(pick(static_cast<int>(pieces.size())))];
    return s;
  };
  switch (depth > 3 ? pick(5) : pick(7)) {
    case 0: return nullptr;
    case 1: return pick(2) == 0;
    case 2: return static_cast<int64_t>(rng()) - static_cast<int64_t>(rng()) * 4096;
    case 3: return static_cast<uint64_t>(rng()) << pick(33);
    case 4: return text();
    case 5: {
      json o = json::object();
      for (int i = pick(5); i > 0; --i) o[text()] = random_document(rng, pieces, depth + 1);
      return o;
    }
    default: {
      json a = json::array();
      for (int i = pick(5); i > 0; --i) a.push_back(random_document(rng, pieces, depth + 1));
      return a;
    }
  }
}

}  // namespace posd::test
