// Digests for S3 transfers besides SHA-256 (io/sha256.h, for x-amz-content-sha256 and our
// x-amz-meta-sha256): MD5 (Content-MD5 and ETags), HMAC-SHA256 (SigV4), Base64, and the ETag S3
// gives a multipart upload.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/sha256.h"

struct evp_md_ctx_st;

namespace strata {

using Md5Digest = std::array<uint8_t, 16>;

// Incremental MD5 (OpenSSL EVP). Not thread-safe.
class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;
  void Update(std::string_view data);
  Md5Digest Finish();

 private:
  evp_md_ctx_st* ctx_;
};

Md5Digest Md5(std::string_view data);

std::string Base64(const uint8_t* data, size_t n);
template <size_t N>
std::string Base64(const std::array<uint8_t, N>& d) {
  return Base64(d.data(), N);
}

// HMAC-SHA256(key, data).
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// The ETag of a multipart object: hex(MD5(concatenated part MD5s)) + "-" + part count.
std::string MultipartEtag(const std::vector<Md5Digest>& part_md5s);

// The checksum S3 reports for a multipart object uploaded with x-amz-checksum-algorithm SHA256:
// base64(SHA-256(concatenated part SHA-256 digests)) + "-" + part count.
std::string CompositeSha256Checksum(const std::vector<Sha256Digest>& part_sha256s);

// An ETag header or XML value without its surrounding quotes (S3 sends "\"abc\"").
std::string_view UnquoteEtag(std::string_view etag);

}  // namespace strata
