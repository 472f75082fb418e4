// A file's whole text, for the files an operator names (configuration,
// catalogs, keys, tokens): read once into one string, reserved for a regular
// file's size; a pipe (/dev/stdin, <(…)) is read to its end as it comes.
// not_found("cannot read PATH") when it cannot be opened, invalid_argument
// for a directory, io_error when reading fails.
#pragma once

#include <string>

#include "base/status.h"

namespace posd {

Result<std::string> read_file(const std::string& path);

}  // namespace posd
