// The signer thread: what it signs is the store key's signature of the same
// bytes, whoever asks and in whatever order, and what is queued when it stops
// is signed before it goes.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "storage/signer.h"
#include "storage/store_key.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("the signer thread's signatures are the store key's, from any thread, and none queued is lost at its end", "[signer]") {
  test::TempDir dir;
  auto key = StoreKey::load_or_create(dir.file("k.key"), dir.file("k.pub"));
  REQUIRE(key);
  std::vector<std::vector<std::future<std::string>>> asked(4);
  {
    Signer signer(*key);
    std::vector<std::thread> askers;
    for (size_t t = 0; t < asked.size(); ++t) {
      askers.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) asked[t].push_back(signer.sign("message " + std::to_string(t) + "/" + std::to_string(i)));
      });
    }
    for (auto& a : askers) a.join();
  }  // stops with work likely still queued: all of it is signed first
  for (size_t t = 0; t < asked.size(); ++t) {
    for (int i = 0; i < 50; ++i) {
      const std::string message = "message " + std::to_string(t) + "/" + std::to_string(i);
      const std::string signature = asked[t][static_cast<size_t>(i)].get();
      CHECK(signature.size() == 64);
      CHECK(signature == key->sign(message));
      CHECK(key->public_key().verify(message, signature));
    }
  }
}
