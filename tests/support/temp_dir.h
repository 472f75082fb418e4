// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the TempDir goes out of scope.
#pragma once

#include <string>

namespace posd::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `text` to `path`, replacing what was there.
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

}  // namespace posd::test
