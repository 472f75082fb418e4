# The tests' and benchmarks' own code keeps line tables only (-g1, after the
# build type's -g): backtraces, gdb's `bt` and the sanitizers' reports keep
# file and line, and those folders build about a quarter faster (tests and
# benchmarks are more than half of a build's compile time). What posd ships
# (every other folder, and the Debian packages' -dbgsym) keeps full debug
# information.
if(CMAKE_BUILD_TYPE MATCHES "^(RelWithDebInfo|Debug)$")
  add_compile_options(-g1)
endif()
