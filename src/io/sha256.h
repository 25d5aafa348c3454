// SHA-256, the one implementation every module uses (warm/cold file hashes, model chunk ids, S3
// payload checksums, HashingFileSystem), through OpenSSL's EVP interface (which uses the CPU's SHA
// extensions when present); and lower-case hex for digests.
//
//   Sha256 h;                        // one per thread; reusable after Finish() + Reset()
//   h.Update(a); h.Update(b);
//   std::string id = DigestHex(h.Finish());
//   std::string hex = Sha256Hex(bytes);                      // one-shot
//   RETURN_IF_ERROR(Sha256File(fs, path, &hex, &size));      // a file, read through `fs`
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"

struct evp_md_ctx_st;

namespace strata {

using Sha256Digest = std::array<uint8_t, 32>;

// Lower-case hex of `n` bytes (2n characters).
std::string HexLower(const uint8_t* data, size_t n);
template <size_t N>
std::string HexLower(const std::array<uint8_t, N>& d) {
  return HexLower(d.data(), N);
}
// Lower-case hex of a digest (64 characters).
inline std::string DigestHex(const Sha256Digest& digest) { return HexLower(digest); }
// Parses 64 hex characters (either case); InvalidArgument otherwise.
Result<Sha256Digest> ParseDigestHex(std::string_view hex);

// An incremental hasher with a reusable context. Not thread-safe: one per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Reset();
  void Update(std::string_view data);
  Sha256Digest Finish();  // then Reset() before reuse

  // One-shot digest of `data` (reuses this object's context).
  Sha256Digest Digest(std::string_view data);

 private:
  evp_md_ctx_st* ctx_;
};

// Hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Hex SHA-256 of a file read through `fs`, and its size.
Status Sha256File(FileSystem* fs, const std::string& path, std::string* hex, uint64_t* size);

}  // namespace strata
