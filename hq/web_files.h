// The fleet dashboard (hq/web/, with the browser kit of http/web/), compiled
// into posd-hq: the definitions are generated at configure time
// (cmake/web_files.cmake, from hq/CMakeLists.txt).
#pragma once

#include <cstddef>

#include "http/assets.h"

namespace posd::hq {

const http::AssetFile* web_files();
size_t web_file_count();

}  // namespace posd::hq
