#include "base/file_text.h"

#include <filesystem>
#include <fstream>

namespace posd {

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::invalid_argument(path + " is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path);
  std::string text;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (const auto size = std::filesystem::file_size(path, ec); !ec) text.reserve(size);
  }
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) return Status::io_error("cannot read " + path);
  return text;
}

}  // namespace posd
