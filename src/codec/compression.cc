#include "codec/compression.h"

#include <cctype>
#include <cstring>

#include "codec/codecs_internal.h"

namespace strata {
namespace {

// Copies through; kept as a Codec so callers need no special case for "uncompressed".
class NoneCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::kNone; }
  Status Compress(std::string_view input, std::string* out) override {
    out->append(input);
    return Status::OK();
  }
  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    if (input.size() != output_size) {
      return Status::Corruption("uncompressed data has " + std::to_string(input.size()) + " bytes, expected " +
                                std::to_string(output_size));
    }
    if (output_size > 0) std::memcpy(output, input.data(), output_size);
    return Status::OK();
  }
};

}  // namespace

std::string_view CompressionTypeName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone: return "none";
    case CompressionType::kSnappy: return "snappy";
    case CompressionType::kGzip: return "gzip";
    case CompressionType::kLz4Raw: return "lz4_raw";
    case CompressionType::kLz4Hadoop: return "lz4_hadoop";
    case CompressionType::kZstd: return "zstd";
  }
  return "unknown";
}

Result<CompressionType> ParseCompressionType(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "none" || lower == "uncompressed") return CompressionType::kNone;
  if (lower == "snappy") return CompressionType::kSnappy;
  if (lower == "gzip") return CompressionType::kGzip;
  if (lower == "lz4_raw" || lower == "lz4") return CompressionType::kLz4Raw;
  if (lower == "lz4_hadoop") return CompressionType::kLz4Hadoop;
  if (lower == "zstd") return CompressionType::kZstd;
  return Status::InvalidArgument("unknown compression '" + std::string(name) +
                                 "' (expected none, snappy, gzip, lz4_raw, lz4_hadoop or zstd)");
}

Result<std::unique_ptr<Codec>> MakeCodec(CompressionType type, int level) {
  switch (type) {
    case CompressionType::kNone: return std::unique_ptr<Codec>(new NoneCodec());
    case CompressionType::kSnappy: return codec_internal::MakeSnappyCodec();
    case CompressionType::kGzip: return codec_internal::MakeGzipCodec(level);
    case CompressionType::kLz4Raw: return codec_internal::MakeLz4RawCodec();
    case CompressionType::kLz4Hadoop: return codec_internal::MakeLz4HadoopCodec();
    case CompressionType::kZstd: return codec_internal::MakeZstdCodec(level);
  }
  return Status::InvalidArgument("unknown compression type " + std::to_string(static_cast<int>(type)));
}

}  // namespace strata
