// Zstandard: strong ratio at good speed; the cold tier's codec.
#include <zstd.h>

#include "codec/codecs_internal.h"

namespace strata::codec_internal {
namespace {

class ZstdCodec final : public Codec {
 public:
  explicit ZstdCodec(int level) : level_(level) {}
  ~ZstdCodec() override {
    ZSTD_freeCCtx(cctx_);
    ZSTD_freeDCtx(dctx_);
  }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  CompressionType type() const override { return CompressionType::kZstd; }

  Status Compress(std::string_view input, std::string* out) override {
    if (cctx_ == nullptr && (cctx_ = ZSTD_createCCtx()) == nullptr) return Status::Internal("zstd: out of memory");
    size_t old = out->size();
    out->resize(old + ZSTD_compressBound(input.size()));
    size_t n = ZSTD_compressCCtx(cctx_, out->data() + old, out->size() - old, input.data(), input.size(), level_);
    if (ZSTD_isError(n)) {
      out->resize(old);
      return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
    }
    out->resize(old + n);
    return Status::OK();
  }

  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    if (dctx_ == nullptr && (dctx_ = ZSTD_createDCtx()) == nullptr) return Status::Internal("zstd: out of memory");
    // Decompresses every frame in the input (writers may emit several), never past output_size.
    size_t n = ZSTD_decompressDCtx(dctx_, output, output_size, input.data(), input.size());
    if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
    if (n != output_size) {
      return Status::Corruption("zstd: data decompresses to " + std::to_string(n) + " bytes, expected " +
                                std::to_string(output_size));
    }
    return Status::OK();
  }

 private:
  int level_;
  ZSTD_CCtx* cctx_ = nullptr;
  ZSTD_DCtx* dctx_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Codec>> MakeZstdCodec(int level) {
  if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("zstd level " + std::to_string(level) + " is outside [" +
                                   std::to_string(ZSTD_minCLevel()) + ", " + std::to_string(ZSTD_maxCLevel()) + "]");
  }
  return std::unique_ptr<Codec>(new ZstdCodec(level));
}

}  // namespace strata::codec_internal
