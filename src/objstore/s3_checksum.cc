#include "objstore/s3_checksum.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace strata {

Md5Hasher::Md5Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) != 1) std::abort();
}

Md5Hasher::~Md5Hasher() { EVP_MD_CTX_free(ctx_); }

void Md5Hasher::Update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) std::abort();
}

Md5Digest Md5Hasher::Finish() {
  Md5Digest out{};
  unsigned int got = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &got) != 1 || got != out.size()) std::abort();
  return out;
}

Md5Digest Md5(std::string_view data) {
  Md5Digest out{};
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_md5(), nullptr) != 1 || n != out.size()) std::abort();
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

std::string CompositeSha256Checksum(const std::vector<Sha256Digest>& part_sha256s) {
  std::string concat;
  concat.reserve(part_sha256s.size() * 32);
  for (const Sha256Digest& d : part_sha256s) concat.append(reinterpret_cast<const char*>(d.data()), d.size());
  return Base64(Sha256().Digest(concat)) + "-" + std::to_string(part_sha256s.size());
}

std::string_view UnquoteEtag(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '\t')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '\t' || etag.back() == '\r')) etag.remove_suffix(1);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

}  // namespace strata
