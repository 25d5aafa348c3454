// AES-GCM authenticated encryption through OpenSSL's EVP interface (AES-NI and PCLMULQDQ when the
// CPU has them). Keys of 16, 24 or 32 bytes (AES-128/192/256; strata's own keys are 256-bit, the
// other sizes are there to read files other writers encrypted with them).
//
// A sealed message is nonce (12 random bytes) || ciphertext || tag (16 bytes): the layout Parquet
// Modular Encryption's AES_GCM_V1 stores after each module's 4-byte length. Open() checks the tag
// before it hands back a byte: a wrong key, wrong AAD or any flipped bit is Corruption, never
// garbage.
//
//   ASSIGN_OR_RETURN(auto gcm, AesGcm::Create(key));
//   RETURN_IF_ERROR(gcm->Seal(plaintext, aad, &sealed));      // appends to `sealed`
//   RETURN_IF_ERROR(gcm->Open(sealed, aad, &plaintext_out));   // appends to `plaintext_out`
//
// An AesGcm keeps one cipher context with the key schedule expanded once; not thread-safe (one per
// thread or per writer). Nonces are random (RAND_bytes), so one key can seal about 2^32 messages
// before the birthday bound on 96-bit nonces matters (NIST SP 800-38D, 8.3): a Parquet file holds
// far fewer modules, and keys rotate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/key_provider.h"
#include "strata/status.h"

struct evp_cipher_ctx_st;

namespace strata::crypto {

inline constexpr size_t kGcmNonceBytes = 12;
inline constexpr size_t kGcmTagBytes = 16;
inline constexpr size_t kGcmOverhead = kGcmNonceBytes + kGcmTagBytes;

class AesGcm {
 public:
  // InvalidArgument unless the key is 16, 24 or 32 bytes.
  static Result<std::unique_ptr<AesGcm>> Create(std::string_view key);
  static Result<std::unique_ptr<AesGcm>> Create(const SecretKey& key) { return Create(key.view()); }
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  // Appends nonce || ciphertext || tag (plaintext.size() + kGcmOverhead bytes) to *out.
  Status Seal(std::string_view plaintext, std::string_view aad, std::string* out);
  // As Seal, with the caller's nonce (kGcmNonceBytes): for known-answer tests only. Never reuse a
  // nonce with a key.
  Status SealWithNonce(std::string_view nonce, std::string_view plaintext, std::string_view aad, std::string* out);
  // `sealed` is nonce || ciphertext || tag; appends the plaintext to *out only if the tag checks.
  // Corruption when it does not (wrong key, wrong AAD, tampered bytes) or `sealed` is too short;
  // *out is left as it was.
  Status Open(std::string_view sealed, std::string_view aad, std::string* out);

 private:
  AesGcm(evp_cipher_ctx_st* enc, evp_cipher_ctx_st* dec) : enc_(enc), dec_(dec) {}
  evp_cipher_ctx_st* enc_;
  evp_cipher_ctx_st* dec_;
};

// One-shot forms (a context each call).
Status AesGcmSeal(std::string_view key, std::string_view plaintext, std::string_view aad, std::string* out);
Status AesGcmOpen(std::string_view key, std::string_view sealed, std::string_view aad, std::string* out);

// `n` cryptographically random bytes (RAND_bytes); Internal if OpenSSL's generator fails.
Result<std::string> RandomBytes(size_t n);

}  // namespace strata::crypto
