# Cross-building posd for arm64 (the store's ARM box) with Debian's cross
# toolchain (crossbuild-essential-arm64) against Debian's multiarch :arm64
# -dev packages; scripts/arm64 runs it in a chroot that holds exactly those.
# Test binaries run under qemu-user (Debian's qemu-user-static), which is also
# how Catch2 lists their tests at build time.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
# pkg-config reads the arm64 side's .pc files, never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
