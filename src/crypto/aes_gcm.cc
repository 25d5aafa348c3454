#include "crypto/aes_gcm.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>

namespace strata::crypto {
namespace {

const EVP_CIPHER* CipherFor(size_t key_bytes) {
  switch (key_bytes) {
    case 16: return EVP_aes_128_gcm();
    case 24: return EVP_aes_192_gcm();
    case 32: return EVP_aes_256_gcm();
    default: return nullptr;
  }
}

std::string OpenSslError(std::string_view what) {
  unsigned long e = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  char buf[256] = "no detail";
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return std::string(what) + " (" + buf + ")";
}

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

Result<std::unique_ptr<AesGcm>> AesGcm::Create(std::string_view key) {
  const EVP_CIPHER* cipher = CipherFor(key.size());
  if (cipher == nullptr) {
    return Status::InvalidArgument("AES-GCM key must be 16, 24 or 32 bytes, not " + std::to_string(key.size()));
  }
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  std::unique_ptr<AesGcm> gcm(new AesGcm(enc, dec));
  if (enc == nullptr || dec == nullptr) return Status::Internal("EVP_CIPHER_CTX_new failed");
  // The key schedule is set once; each message then only sets its nonce.
  if (EVP_EncryptInit_ex(enc, cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kGcmNonceBytes), nullptr) != 1 ||
      EVP_EncryptInit_ex(enc, nullptr, nullptr, U(key), nullptr) != 1 ||
      EVP_DecryptInit_ex(dec, cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kGcmNonceBytes), nullptr) != 1 ||
      EVP_DecryptInit_ex(dec, nullptr, nullptr, U(key), nullptr) != 1) {
    return Status::Internal(OpenSslError("AES-GCM key setup failed"));
  }
  return gcm;
}

AesGcm::~AesGcm() {
  EVP_CIPHER_CTX_free(enc_);
  EVP_CIPHER_CTX_free(dec_);
}

Status AesGcm::Seal(std::string_view plaintext, std::string_view aad, std::string* out) {
  unsigned char nonce[kGcmNonceBytes];
  if (RAND_bytes(nonce, sizeof(nonce)) != 1) return Status::Internal(OpenSslError("RAND_bytes failed"));
  return SealWithNonce(std::string_view(reinterpret_cast<const char*>(nonce), sizeof(nonce)), plaintext, aad, out);
}

Status AesGcm::SealWithNonce(std::string_view nonce, std::string_view plaintext, std::string_view aad,
                             std::string* out) {
  if (nonce.size() != kGcmNonceBytes) return Status::InvalidArgument("AES-GCM nonce must be 12 bytes");
  if (plaintext.size() > static_cast<size_t>(INT_MAX) - kGcmOverhead || aad.size() > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument("AES-GCM message of " + std::to_string(plaintext.size()) + " bytes is too large");
  }
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kGcmOverhead);
  auto* p = reinterpret_cast<unsigned char*>(out->data() + start);
  std::copy(nonce.begin(), nonce.end(), p);
  int len = 0;
  bool ok = EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, U(nonce)) == 1;
  if (ok && !aad.empty()) ok = EVP_EncryptUpdate(enc_, nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1;
  unsigned char* ct = p + kGcmNonceBytes;
  int written = 0;
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(enc_, ct, &len, U(plaintext), static_cast<int>(plaintext.size())) == 1;
    written = len;
  }
  if (ok) ok = EVP_EncryptFinal_ex(enc_, ct + written, &len) == 1;
  if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagBytes), ct + plaintext.size()) == 1;
  }
  if (!ok) {
    out->resize(start);
    return Status::Internal(OpenSslError("AES-GCM encryption failed"));
  }
  return Status::OK();
}

Status AesGcm::Open(std::string_view sealed, std::string_view aad, std::string* out) {
  if (sealed.size() < kGcmOverhead) {
    return Status::Corruption("AES-GCM message of " + std::to_string(sealed.size()) +
                              " bytes is shorter than its nonce and tag (28 bytes)");
  }
  if (sealed.size() > static_cast<size_t>(INT_MAX) || aad.size() > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument("AES-GCM message of " + std::to_string(sealed.size()) + " bytes is too large");
  }
  const size_t ct_size = sealed.size() - kGcmOverhead;
  const std::string_view nonce = sealed.substr(0, kGcmNonceBytes);
  const std::string_view ct = sealed.substr(kGcmNonceBytes, ct_size);
  // The tag goes into a local copy: OpenSSL's SET_TAG takes a non-const pointer.
  unsigned char tag[kGcmTagBytes];
  std::copy(sealed.end() - kGcmTagBytes, sealed.end(), tag);
  const size_t start = out->size();
  out->resize(start + ct_size);
  auto* p = reinterpret_cast<unsigned char*>(out->data() + start);
  int len = 0, written = 0;
  bool ok = EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, U(nonce)) == 1;
  if (ok && !aad.empty()) ok = EVP_DecryptUpdate(dec_, nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1;
  if (ok && ct_size > 0) {
    ok = EVP_DecryptUpdate(dec_, p, &len, U(ct), static_cast<int>(ct_size)) == 1;
    written = len;
  }
  if (ok) ok = EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagBytes), tag) == 1;
  if (!ok) {
    out->resize(start);
    return Status::Internal(OpenSslError("AES-GCM decryption failed"));
  }
  if (EVP_DecryptFinal_ex(dec_, p + written, &len) != 1) {
    // The plaintext already written is unauthenticated: drop it.
    out->resize(start);
    ERR_clear_error();
    return Status::Corruption("AES-GCM authentication failed: wrong key, or the data or its context (AAD) was altered");
  }
  return Status::OK();
}

Status AesGcmSeal(std::string_view key, std::string_view plaintext, std::string_view aad, std::string* out) {
  ASSIGN_OR_RETURN(auto gcm, AesGcm::Create(key));
  return gcm->Seal(plaintext, aad, out);
}

Status AesGcmOpen(std::string_view key, std::string_view sealed, std::string_view aad, std::string* out) {
  ASSIGN_OR_RETURN(auto gcm, AesGcm::Create(key));
  return gcm->Open(sealed, aad, out);
}

Result<std::string> RandomBytes(size_t n) {
  std::string s(n, '\0');
  if (n > static_cast<size_t>(INT_MAX)) return Status::InvalidArgument("too many random bytes asked for");
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)) != 1) {
    return Status::Internal(OpenSslError("RAND_bytes failed"));
  }
  return s;
}

}  // namespace strata::crypto
