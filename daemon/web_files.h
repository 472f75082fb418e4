// The browser lane and dashboard (daemon/web/, with the browser kit of
// http/web/), compiled into posd: the definitions are generated at configure
// time (cmake/web_files.cmake, from daemon/CMakeLists.txt).
#pragma once

#include <cstddef>

#include "http/assets.h"

namespace posd {

const http::AssetFile* web_files();
size_t web_file_count();

}  // namespace posd
