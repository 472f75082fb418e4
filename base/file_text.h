// A file's whole text, for the files an operator names (configuration,
// catalogs, keys, tokens): read once into one string, reserved for a regular
// file's size; a pipe (/dev/stdin, <(…)) is read to its end as it comes.
// not_found("cannot read PATH") when it cannot be opened, invalid_argument
// for a directory, io_error when reading fails.
// write_file replaces a file whole: after a crash or a power cut it holds
// either the old text or the new, never a part.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace posd {

Result<std::string> read_file(const std::string& path);

// A file's permission bits, owner and group.
struct FileOwner {
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

// The mode, owner and group `path` has now; nullopt when it cannot be read.
std::optional<FileOwner> owner_of(const std::string& path);

// Writes `text` to PATH.tmp with exactly `mode` (whatever the umask), owned
// by the writer or by `owner`'s user and group, fsyncs it, renames it over
// `path` and fsyncs the directory. io_error naming the file, the step and
// the reason; an error before the rename leaves `path` as it was and no
// temporary file.
Status write_file(const std::string& path, std::string_view text, mode_t mode);
Status write_file(const std::string& path, std::string_view text, const FileOwner& owner);

}  // namespace posd
