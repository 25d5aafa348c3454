// Block compression codecs behind one small interface: snappy, LZ4 (raw block and Hadoop
// framing), zstd (with level) and gzip (zlib).
//
// A Codec compresses one buffer at a time. Decompress() writes exactly `output_size` bytes: the
// caller always knows the uncompressed size (Parquet page headers, WAL records and chunk
// manifests store it), which lets every codec decode straight into the caller's buffer and
// reject input that decodes to any other size.
//
// Codec objects keep reusable contexts (zstd, zlib) and are not thread-safe: one per thread.
// Every error is Corruption (malformed input) or InvalidArgument (bad level) and names the
// codec; callers add where the bytes came from with Status::WithContext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {

enum class CompressionType : uint8_t {
  kNone = 0,
  kSnappy = 1,
  kGzip = 2,       // RFC 1952 members (concatenated members are accepted when decompressing)
  kLz4Raw = 3,     // one LZ4 block, no framing
  kLz4Hadoop = 4,  // Hadoop framing: [BE u32 raw size][BE u32 block size][LZ4 block]...; see lz4_codec.cc
  kZstd = 5,
};

// "none", "snappy", "gzip", "lz4_raw", "lz4_hadoop", "zstd".
std::string_view CompressionTypeName(CompressionType type);
// Accepts the names above, case-insensitively, plus "uncompressed" and "lz4" (= lz4_raw).
Result<CompressionType> ParseCompressionType(std::string_view name);

class Codec {
 public:
  virtual ~Codec() = default;
  virtual CompressionType type() const = 0;

  // Appends the compressed form of `input` to `*out`.
  virtual Status Compress(std::string_view input, std::string* out) = 0;

  // Decompresses `input` into output[0, output_size). Corruption if the input is malformed or
  // does not decode to exactly output_size bytes.
  virtual Status Decompress(std::string_view input, char* output, size_t output_size) = 0;
};

// A codec of `type`. `level` 0 means the codec's default; zstd takes 1..22 (and negative fast
// levels), gzip 1..9; snappy and LZ4 ignore it. InvalidArgument for an out-of-range level.
Result<std::unique_ptr<Codec>> MakeCodec(CompressionType type, int level = 0);

}  // namespace strata
