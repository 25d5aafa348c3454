#include "objstore/s3_checksum.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace strata {

struct StreamingDigest::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

StreamingDigest::StreamingDigest(bool sha256) : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, sha256 ? EVP_sha256() : EVP_md5(), nullptr) != 1) {
    std::abort();
  }
}

StreamingDigest::~StreamingDigest() = default;

void StreamingDigest::Update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1) std::abort();
}

void StreamingDigest::Finish(uint8_t* out, size_t n) {
  unsigned int got = 0;
  if (EVP_DigestFinal_ex(ctx_->md, out, &got) != 1 || got != n) std::abort();
}

namespace {
template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, std::string_view data) {
  std::array<uint8_t, N> out{};
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr) != 1 || n != N) std::abort();
  return out;
}
}  // namespace

Sha256Digest Sha256(std::string_view data) { return Digest<32>(EVP_sha256(), data); }
Md5Digest Md5(std::string_view data) { return Digest<16>(EVP_md5(), data); }

std::string HexLower(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

std::string Base64(const uint8_t* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out.data(), &n) == nullptr ||
      n != out.size()) {
    std::abort();
  }
  return out;
}

std::string MultipartEtag(const std::vector<Md5Digest>& part_md5s) {
  std::string concat;
  concat.reserve(part_md5s.size() * 16);
  for (const Md5Digest& d : part_md5s) concat.append(reinterpret_cast<const char*>(d.data()), d.size());
  return HexLower(Md5(concat)) + "-" + std::to_string(part_md5s.size());
}

std::string_view UnquoteEtag(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '\t')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '\t' || etag.back() == '\r')) etag.remove_suffix(1);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

}  // namespace strata
