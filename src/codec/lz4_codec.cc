// LZ4 as a raw block (Parquet LZ4_RAW) and in Hadoop's framing (Parquet's deprecated LZ4).
//
// Hadoop framing is a sequence of [big-endian u32 decompressed size][big-endian u32 compressed
// size][LZ4 block]. Writers that claimed Parquet "LZ4" disagreed about the framing: parquet-mr
// used Hadoop's, some C++ writers a bare block. Like other readers, the Hadoop codec tries the
// framing first and falls back to a bare block when the framing does not parse.
#include <lz4.h>

#include <climits>
#include <cstring>

#include "codec/codecs_internal.h"

namespace strata::codec_internal {
namespace {

Status CheckIntSize(size_t n, const char* what) {
  if (n > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return Status::InvalidArgument(std::string("lz4: ") + what + " of " + std::to_string(n) +
                                   " bytes exceeds the LZ4 block limit");
  }
  return Status::OK();
}

Status CompressBlock(std::string_view input, std::string* out) {
  RETURN_IF_ERROR(CheckIntSize(input.size(), "input"));
  size_t old = out->size();
  int bound = LZ4_compressBound(static_cast<int>(input.size()));
  out->resize(old + static_cast<size_t>(bound));
  int n = LZ4_compress_default(input.data(), out->data() + old, static_cast<int>(input.size()), bound);
  if (n <= 0) return Status::Internal("lz4: compression failed");
  out->resize(old + static_cast<size_t>(n));
  return Status::OK();
}

Status DecompressBlock(std::string_view input, char* output, size_t output_size) {
  if (input.size() > static_cast<size_t>(INT_MAX) || output_size > static_cast<size_t>(INT_MAX)) {
    return Status::Corruption("lz4: block too large");
  }
  int n = LZ4_decompress_safe(input.data(), output, static_cast<int>(input.size()), static_cast<int>(output_size));
  if (n < 0) return Status::Corruption("lz4: malformed compressed block");
  if (static_cast<size_t>(n) != output_size) {
    return Status::Corruption("lz4: block decompresses to " + std::to_string(n) + " bytes, expected " +
                              std::to_string(output_size));
  }
  return Status::OK();
}

class Lz4RawCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::kLz4Raw; }
  Status Compress(std::string_view input, std::string* out) override { return CompressBlock(input, out); }
  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    return DecompressBlock(input, output, output_size);
  }
};

uint32_t LoadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

void AppendBigEndian32(uint32_t v, std::string* out) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

// True when `input` parsed completely as Hadoop frames filling output exactly.
bool TryDecompressHadoop(std::string_view input, char* output, size_t output_size) {
  size_t produced = 0;
  if (input.empty()) return output_size == 0;
  while (input.size() >= 8) {
    uint32_t raw = LoadBigEndian32(input.data());
    uint32_t packed = LoadBigEndian32(input.data() + 4);
    input.remove_prefix(8);
    if (packed > input.size() || raw > output_size - produced || raw > static_cast<uint32_t>(INT_MAX) ||
        packed > static_cast<uint32_t>(INT_MAX)) {
      return false;
    }
    int n = LZ4_decompress_safe(input.data(), output + produced, static_cast<int>(packed), static_cast<int>(raw));
    if (n < 0 || static_cast<uint32_t>(n) != raw) return false;
    produced += raw;
    input.remove_prefix(packed);
  }
  return input.empty() && produced == output_size;
}

class Lz4HadoopCodec final : public Codec {
 public:
  CompressionType type() const override { return CompressionType::kLz4Hadoop; }

  Status Compress(std::string_view input, std::string* out) override {
    // Hadoop's decoder reads a frame into a fixed buffer (256 KiB by default), so frames stay
    // below that size.
    constexpr size_t kFrame = 256 * 1024;
    do {
      std::string_view piece = input.substr(0, kFrame);
      input.remove_prefix(piece.size());
      size_t header = out->size();
      out->append(8, '\0');
      RETURN_IF_ERROR(CompressBlock(piece, out));
      std::string sizes;
      AppendBigEndian32(static_cast<uint32_t>(piece.size()), &sizes);
      AppendBigEndian32(static_cast<uint32_t>(out->size() - header - 8), &sizes);
      std::memcpy(out->data() + header, sizes.data(), 8);
    } while (!input.empty());
    return Status::OK();
  }

  Status Decompress(std::string_view input, char* output, size_t output_size) override {
    if (TryDecompressHadoop(input, output, output_size)) return Status::OK();
    Status raw = DecompressBlock(input, output, output_size);
    if (!raw.ok()) return Status::Corruption("lz4 (hadoop): input is neither Hadoop-framed LZ4 nor an LZ4 block");
    return raw;
  }
};

}  // namespace

std::unique_ptr<Codec> MakeLz4RawCodec() { return std::make_unique<Lz4RawCodec>(); }
std::unique_ptr<Codec> MakeLz4HadoopCodec() { return std::make_unique<Lz4HadoopCodec>(); }

}  // namespace strata::codec_internal
