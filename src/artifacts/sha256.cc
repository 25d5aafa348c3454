#include "artifacts/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace strata::artifacts {

std::string DigestHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
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

void Sha256::Reset() { EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr); }

void Sha256::Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

Sha256Digest Sha256::Finish() {
  Sha256Digest d{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, d.data(), &len);
  return d;
}

Sha256Digest Sha256::Digest(std::string_view data) {
  Reset();
  Update(data);
  return Finish();
}

}  // namespace strata::artifacts
