// Whether this translation unit is built with AddressSanitizer, for GCC and clang alike: GCC
// defines __SANITIZE_ADDRESS__, clang 14 (the sanitizer trees' compiler) answers only
// __has_feature(address_sanitizer).
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define STRATA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRATA_ASAN 1
#endif
#endif
#ifndef STRATA_ASAN
#define STRATA_ASAN 0
#endif
