// Replays a fuzz target's kept inputs without libFuzzer: each file named, or
// each file of each directory named, in name order, through the target's
// LLVMFuzzerTestOneInput. The suite runs it on tests/fuzz/corpus/<target> in
// every build (under ASan and UBSan in the sanitizer build), so an input that
// once found a crash, or that reached new code, is tried again at every
// change; scripts/fuzz explores for new ones (clang's libFuzzer).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/file_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.is_regular_file()) inputs.push_back(e.path());
      }
    } else {
      inputs.push_back(p);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no input given\n");
    return 2;
  }
  for (const fs::path& p : inputs) {
    auto text = posd::read_file(p.string());
    if (!text) {
      std::fprintf(stderr, "replay: %s\n", text.status().message().c_str());
      return 2;
    }
    // Named before it runs: the last name on stderr is the input that failed.
    std::fprintf(stderr, "replay: %s\n", p.c_str());
    // A copy of exactly its size, as libFuzzer gives it: ASan then sees a
    // read one byte past the input (a std::string's buffer is longer).
    auto bytes = std::make_unique<uint8_t[]>(text->size());
    if (!text->empty()) std::memcpy(bytes.get(), text->data(), text->size());
    LLVMFuzzerTestOneInput(bytes.get(), text->size());
  }
  std::printf("replay: %zu inputs, none failed\n", inputs.size());
  return 0;
}
