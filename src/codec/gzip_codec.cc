// GZIP (deflate in RFC 1952 members) through zlib. Parquet readers must accept it; we also write
// it for interop tests. Decompression accepts zlib (RFC 1950) streams as well, and several gzip
// members back to back, as some writers emit them.
#include <zlib.h>

#include <algorithm>
#include <climits>

#include "codec/codecs_internal.h"

namespace strata::codec_internal {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kAutoWindowBits = 15 + 32;  // detect gzip or zlib wrapper

class GzipCodec final : public Codec {
 public:
  explicit GzipCodec(int level) : level_(level) {}
  ~GzipCodec() override {
    if (inflate_ready_) inflateEnd(&inflate_);
  }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  CompressionType type() const override { return CompressionType::kGzip; }

  Status Compress(std::string_view input, std::string* out) override {
    z_stream zs{};
    if (deflateInit2(&zs, level_, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("gzip: deflateInit2 failed");
    }
    size_t old = out->size();
    out->resize(old + deflateBound(&zs, static_cast<uLong>(input.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + old);
    size_t in_left = input.size();
    size_t out_left = out->size() - old;
    int rc = Z_OK;
    while (rc == Z_OK) {
      // zlib counts in uInt; feed huge buffers in pieces.
      zs.avail_in = static_cast<uInt>(std::min<size_t>(in_left, UINT_MAX));
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out_left, UINT_MAX));
      uInt in_before = zs.avail_in, out_before = zs.avail_out;
      rc = deflate(&zs, zs.avail_in == in_left ? Z_FINISH : Z_NO_FLUSH);
      in_left -= in_before - zs.avail_in;
      out_left -= out_before - zs.avail_out;
    }
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
      out->resize(old);
      return Status::Internal("gzip: deflate failed (" + std::to_string(rc) + ")");
    }
    out->resize(out->size() - out_left);
    return Status::OK();
  }

  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    if (!inflate_ready_) {
      if (inflateInit2(&inflate_, kAutoWindowBits) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
      inflate_ready_ = true;
    } else if (inflateReset2(&inflate_, kAutoWindowBits) != Z_OK) {
      return Status::Internal("gzip: inflateReset2 failed");
    }
    inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    inflate_.next_out = reinterpret_cast<Bytef*>(output);
    size_t in_left = input.size(), out_left = output_size;
    while (true) {
      inflate_.avail_in = static_cast<uInt>(std::min<size_t>(in_left, UINT_MAX));
      inflate_.avail_out = static_cast<uInt>(std::min<size_t>(out_left, UINT_MAX));
      uInt in_before = inflate_.avail_in, out_before = inflate_.avail_out;
      int rc = inflate(&inflate_, Z_NO_FLUSH);
      in_left -= in_before - inflate_.avail_in;
      out_left -= out_before - inflate_.avail_out;
      if (rc == Z_STREAM_END) {
        // Another member may follow; trailing zero padding is tolerated.
        bool only_zeros = std::all_of(inflate_.next_in, inflate_.next_in + in_left, [](Bytef b) { return b == 0; });
        if (in_left == 0 || only_zeros) break;
        if (inflateReset(&inflate_) != Z_OK) return Status::Internal("gzip: inflateReset failed");
        continue;
      }
      // Z_OK means progress; a stall shows up as Z_BUF_ERROR on the next call.
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR) {
        if (out_left == 0) {
          return Status::Corruption("gzip: data decompresses to more than " + std::to_string(output_size) + " bytes");
        }
        return Status::Corruption("gzip: truncated stream");
      }
      return Status::Corruption(std::string("gzip: ") + (inflate_.msg ? inflate_.msg : "malformed stream"));
    }
    if (out_left != 0) {
      return Status::Corruption("gzip: data decompresses to " + std::to_string(output_size - out_left) +
                                " bytes, expected " + std::to_string(output_size));
    }
    return Status::OK();
  }

 private:
  int level_;
  z_stream inflate_{};
  bool inflate_ready_ = false;
};

}  // namespace

Result<std::unique_ptr<Codec>> MakeGzipCodec(int level) {
  if (level == 0) level = Z_DEFAULT_COMPRESSION;
  if (level != Z_DEFAULT_COMPRESSION && (level < 1 || level > 9)) {
    return Status::InvalidArgument("gzip level " + std::to_string(level) + " is outside [1, 9]");
  }
  return std::unique_ptr<Codec>(new GzipCodec(level));
}

}  // namespace strata::codec_internal
