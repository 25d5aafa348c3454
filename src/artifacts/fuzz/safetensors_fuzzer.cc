// libFuzzer target for the safetensors header parser. Build by hand, e.g.
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     src/artifacts/fuzz/safetensors_fuzzer.cc src/artifacts/safetensors.cc src/core/status.cc \
//     src/io/file_system.cc src/io/posix_file_system.cc -o safetensors_fuzzer && ./safetensors_fuzzer
// A bounded mutation run of the same function is part of the normal tests
// (safetensors_test.cc, MutatedHeadersNeverCrash).
#include <cstddef>
#include <cstdint>

#include "artifacts/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return strata::artifacts::FuzzSafetensorsHeader(data, size);
}
