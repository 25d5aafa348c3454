// Digests for S3 transfers: SHA-256 (x-amz-content-sha256 and our x-amz-meta-sha256), MD5
// (Content-MD5 and ETags), and the ETag S3 gives a multipart upload.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

using Md5Digest = std::array<uint8_t, 16>;
using Sha256Digest = std::array<uint8_t, 32>;

// Incremental digests (OpenSSL EVP). Not thread-safe.
class StreamingDigest {
 public:
  ~StreamingDigest();
  void Update(std::string_view data);

 protected:
  explicit StreamingDigest(bool sha256);
  void Finish(uint8_t* out, size_t n);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

class Sha256Hasher : public StreamingDigest {
 public:
  Sha256Hasher() : StreamingDigest(true) {}
  Sha256Digest Finish() {
    Sha256Digest d;
    StreamingDigest::Finish(d.data(), d.size());
    return d;
  }
};

class Md5Hasher : public StreamingDigest {
 public:
  Md5Hasher() : StreamingDigest(false) {}
  Md5Digest Finish() {
    Md5Digest d;
    StreamingDigest::Finish(d.data(), d.size());
    return d;
  }
};

Sha256Digest Sha256(std::string_view data);
Md5Digest Md5(std::string_view data);

std::string HexLower(const uint8_t* data, size_t n);
template <size_t N>
std::string HexLower(const std::array<uint8_t, N>& d) {
  return HexLower(d.data(), N);
}
std::string Base64(const uint8_t* data, size_t n);
template <size_t N>
std::string Base64(const std::array<uint8_t, N>& d) {
  return Base64(d.data(), N);
}

// HMAC-SHA256(key, data).
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// The ETag of a multipart object: hex(MD5(concatenated part MD5s)) + "-" + part count.
std::string MultipartEtag(const std::vector<Md5Digest>& part_md5s);

// An ETag header or XML value without its surrounding quotes (S3 sends "\"abc\"").
std::string_view UnquoteEtag(std::string_view etag);

}  // namespace strata
