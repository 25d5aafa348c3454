// Snappy: fast, modest ratio; the default codec of the warm tier.
#include <snappy.h>

#include "codec/codecs_internal.h"

namespace strata::codec_internal {
namespace {

class SnappyCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::kSnappy; }

  Status Compress(std::string_view input, std::string* out) override {
    size_t old = out->size();
    out->resize(old + snappy::MaxCompressedLength(input.size()));
    size_t n = 0;
    snappy::RawCompress(input.data(), input.size(), out->data() + old, &n);
    out->resize(old + n);
    return Status::OK();
  }

  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(input.data(), input.size(), &n)) {
      return Status::Corruption("snappy: malformed length header");
    }
    // Checked before decoding: RawUncompress writes as many bytes as the header claims.
    if (n != output_size) {
      return Status::Corruption("snappy: data decompresses to " + std::to_string(n) + " bytes, expected " +
                                std::to_string(output_size));
    }
    if (!snappy::RawUncompress(input.data(), input.size(), output)) {
      return Status::Corruption("snappy: malformed compressed data");
    }
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Codec> MakeSnappyCodec() { return std::make_unique<SnappyCodec>(); }

}  // namespace strata::codec_internal
