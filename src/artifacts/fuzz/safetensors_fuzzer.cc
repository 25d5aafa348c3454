// libFuzzer target for the safetensors header parser (ParseSafetensors through
// FuzzSafetensorsHeader: the length prefix, the JSON header, dtypes, shapes, offsets and the
// views into the data). Built and run by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,
// undefined); not part of the CMake build. A bounded mutation run of the same function is also
// part of the unit tests (safetensors_test.cc, MutatedHeadersNeverCrash).
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./safetensors_fuzzer writes files made by WriteSafetensors
// (every dtype, scalars, empty tensors, metadata) to DIR and exits; tools/fuzz.sh does this
// before each run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "artifacts/safetensors.h"
#include "strata/file_system.h"

namespace {

using namespace strata;
using namespace strata::artifacts;

void WriteSeeds(const std::string& dir) {
  FileSystem* fs = DefaultFileSystem();
  if (!fs->CreateDirs(dir).ok()) std::abort();
  const std::string bytes(256, '\x3c');
  std::vector<TensorSpec> all;
  int i = 0;
  for (DType d : {DType::kF16, DType::kBF16, DType::kF32, DType::kF64, DType::kI8, DType::kI16, DType::kI32,
                  DType::kI64, DType::kU8, DType::kBool}) {
    all.push_back({"t" + std::to_string(i++), d, {2, 3}, std::string_view(bytes).substr(0, 6 * DTypeSize(d))});
  }
  const std::vector<std::vector<TensorSpec>> files = {
      all,
      {{"scalar", DType::kF32, {}, std::string_view(bytes).substr(0, 4)},
       {"empty", DType::kI64, {0, 4}, std::string_view()}},
      {{"layer.0.weight", DType::kBF16, {4, 8}, std::string_view(bytes).substr(0, 64)}},
  };
  for (size_t f = 0; f < files.size(); ++f) {
    std::map<std::string, std::string> metadata;
    if (f == 2) metadata = {{"format", "pt"}, {"note", "x\"y"}};
    if (!WriteSafetensors(fs, dir + "/seed-" + std::to_string(f) + ".safetensors", files[f], metadata).ok()) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(out);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return strata::artifacts::FuzzSafetensorsHeader(data, size);
}
