// The safetensors format (https://github.com/huggingface/safetensors):
//   u64 LE header_size | header_size bytes of JSON | data
// The JSON maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative
// to the data section) plus an optional "__metadata__" object of string -> string.
//
// Reading is zero-copy: the file is mapped (FileSystem::MapFile) and each tensor is a view into
// the map, valid while the SafetensorsFile lives. The header is validated strictly before any
// view is handed out: header size limit, JSON object, known dtypes, non-negative integer shapes
// whose element count times dtype size equals the byte length (computed without overflow), and
// tensors that tile the data section exactly (sorted, no overlap, no gap, ending at the file's
// end). Every error names the file and, where one is at fault, the tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::artifacts {

enum class DType : uint8_t { kF16, kBF16, kF32, kF64, kI8, kI16, kI32, kI64, kU8, kBool };
std::string_view DTypeName(DType dtype);  // "F16", "BF16", ...
Result<DType> ParseDType(std::string_view name);
size_t DTypeSize(DType dtype);

// A tensor view: metadata plus its bytes (little-endian, row-major).
struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  std::string_view data;
};

struct SafetensorsHeader {
  uint64_t header_size = 0;         // JSON bytes
  std::vector<TensorView> tensors;  // in file order (by offset); data views into the parsed bytes
  std::map<std::string, std::string> metadata;
};

struct SafetensorsLimits {
  uint64_t max_header_bytes = 100ull << 20;
  uint64_t max_tensors = 1 << 20;
  size_t max_rank = 64;
};

// Parses and validates a whole safetensors file held in `file` (e.g. a map). `name` names the
// file in errors. Views point into `file`.
Result<SafetensorsHeader> ParseSafetensors(std::string_view file, std::string_view name,
                                           const SafetensorsLimits& limits = {});

// A mapped, validated safetensors file.
class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(FileSystem* fs, const std::string& path,
                                                       const SafetensorsLimits& limits = {});
  const std::vector<TensorView>& tensors() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  uint64_t header_size() const { return header_.header_size; }
  uint64_t file_size() const { return map_->data().size(); }
  // NotFound naming the file and tensor.
  Result<const TensorView*> Find(std::string_view tensor) const;

 private:
  std::unique_ptr<MappedFile> map_;
  SafetensorsHeader header_;
  std::string path_;
};

// A tensor to write: its bytes must be exactly product(shape) * DTypeSize(dtype).
struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  std::string_view data;
};

// Writes tensors (in the given order) atomically: temp file, fsync, rename, fsync of the directory.
// InvalidArgument for a duplicate or empty name, "__metadata__", or a size mismatch.
Status WriteSafetensors(FileSystem* fs, const std::string& path, const std::vector<TensorSpec>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

// The fuzz target body: parses `data` as a safetensors file and touches every view. Always
// returns 0 (libFuzzer's convention); crashes and sanitizer reports are the findings.
int FuzzSafetensorsHeader(const uint8_t* data, size_t size);

}  // namespace strata::artifacts
