#include "auth/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace strata::auth {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// A raw r||s signature (64 bytes) as DER, which EVP_DigestVerify wants.
bool RawToDer(std::string_view raw, std::string* der) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return false;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* out = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  if (n <= 0) return false;
  der->assign(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return true;
}

}  // namespace

bool Base64DecodeAny(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6;  // one leftover base64 digit cannot be valid
}

Result<EcPublicKey> EcPublicKey::FromJwk(std::string_view x, std::string_view y) {
  std::string xb, yb;
  if (!Base64DecodeAny(x, &xb) || xb.size() != 32) {
    return Status::InvalidArgument("the key's x is not base64url of 32 bytes (a P-256 JWK coordinate)");
  }
  if (!Base64DecodeAny(y, &yb) || yb.size() != 32) {
    return Status::InvalidArgument("the key's y is not base64url of 32 bytes (a P-256 JWK coordinate)");
  }
  const std::string point = std::string(1, '\x04') + xb + yb;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return Status::Internal("OpenSSL: out of memory");
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  const bool built = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                     EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  EVP_PKEY_CTX_free(ctx);
  if (!built) return Status::InvalidArgument("the key (x, y) is not a point of the P-256 curve");
  // fromdata does not always check the point: make sure it is on the curve.
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
  const bool on_curve = check != nullptr && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!on_curve) {
    EVP_PKEY_free(pkey);
    return Status::InvalidArgument("the key (x, y) is not a point of the P-256 curve");
  }
  EcPublicKey k;
  k.key_ = std::shared_ptr<void>(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  return k;
}

bool EcPublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (!key_) return false;
  auto verify = [&](std::string_view der) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    if (md == nullptr) return false;
    const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key_.get())) == 1 &&
                    EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    EVP_MD_CTX_free(md);
    return ok;
  };
  if (verify(signature)) return true;
  std::string der;
  return signature.size() == 64 && RawToDer(signature, &der) && verify(der);
}

}  // namespace strata::auth
