// SHA-256 through OpenSSL's EVP interface (which uses the CPU's SHA extensions when present).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/status.h"

struct evp_md_ctx_st;

namespace strata::artifacts {

using Sha256Digest = std::array<uint8_t, 32>;

// Lower-case hex of a digest (64 characters).
std::string DigestHex(const Sha256Digest& digest);
// Parses 64 hex characters; InvalidArgument otherwise.
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

}  // namespace strata::artifacts
