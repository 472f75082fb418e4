// Whether this test binary runs under the sanitizers (the ASan and UBSan
// build, POSD_SANITIZE=ON), where a case may size itself down or assert less
// and must say why where it does.
#pragma once

namespace posd::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace posd::test
