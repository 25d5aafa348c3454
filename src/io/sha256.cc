#include "io/sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

namespace strata {

std::string HexLower(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

Result<Sha256Digest> ParseDigestHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256Digest d{};
  if (hex.size() != 64) return Status::InvalidArgument("chunk id '" + std::string(hex) + "' is not 64 hex digits");
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("chunk id '" + std::string(hex) + "' is not hex");
    d[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

namespace {
const EVP_MD* Sha256Md() {
  // Fetched once: EVP_sha256() goes through a provider lookup on every call in OpenSSL 3.
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || Sha256Md() == nullptr) std::abort();  // out of memory or no default provider
  Reset();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Reset() {
  if (EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1) std::abort();
}

void Sha256::Update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) std::abort();
}

Sha256Digest Sha256::Finish() {
  Sha256Digest d{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, d.data(), &len) != 1 || len != d.size()) std::abort();
  return d;
}

Sha256Digest Sha256::Digest(std::string_view data) {
  Reset();
  Update(data);
  return Finish();
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  return DigestHex(h.Digest(data));
}

Status Sha256File(FileSystem* fs, const std::string& path, std::string* hex, uint64_t* size) {
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t total, file->Size());
  Sha256 h;
  std::string buf(1 << 20, '\0');
  uint64_t off = 0;
  while (off < total) {
    ASSIGN_OR_RETURN(size_t got, file->Read(off, std::min<uint64_t>(buf.size(), total - off), buf.data()));
    if (got == 0) return Status::IOError(path + ": short read at offset " + std::to_string(off));
    h.Update(std::string_view(buf.data(), got));
    off += got;
  }
  *hex = DigestHex(h.Finish());
  *size = total;
  return Status::OK();
}

}  // namespace strata
