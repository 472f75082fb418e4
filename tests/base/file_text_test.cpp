// base/file_text.h: a file replaced whole, with the mode and owner asked.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/file_text.h"
#include "tests/support/temp_dir.h"

using namespace posd;

TEST_CASE("write_file replaces a file whole, with exactly the mode asked whatever the umask", "[file_text]") {
  test::TempDir dir;
  const std::string path = dir.file("posd.json");
  const mode_t old_mask = ::umask(077);
  Status first = write_file(path, "{\"a\": 1}\n", 0644);
  Status second = write_file(path, "{\"b\": 2}\n", 0640);
  ::umask(old_mask);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*read_file(path) == "{\"b\": 2}\n");
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto owner = owner_of(path);
  REQUIRE(owner);
  CHECK(owner->mode == 0640);
  CHECK(owner->uid == ::geteuid());
  CHECK_FALSE(owner_of(dir.file("none")));
}

TEST_CASE("write_file gives the file the owner and group asked", "[file_text]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot give a file away");
    return;
  }
  test::TempDir dir;
  const std::string path = dir.file("posd.json");
  REQUIRE(write_file(path, "{}", FileOwner{0640, 0, 65534}));
  auto owner = owner_of(path);
  REQUIRE(owner);
  CHECK(owner->uid == 0);
  CHECK(owner->gid == 65534);
  CHECK(owner->mode == 0640);
}

TEST_CASE("write_file that cannot write says where and why, and leaves nothing", "[file_text]") {
  test::TempDir dir;
  const std::string path = dir.file("missing/posd.json");
  Status s = write_file(path, "{}", 0600);
  CHECK(s.code() == Status::Code::io_error);
  CHECK(s.message() == "cannot write " + path + ": cannot create " + path + ".tmp: No such file or directory");
  CHECK_FALSE(std::filesystem::exists(dir.file("missing")));
}
