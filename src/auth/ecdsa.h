// ECDSA P-256 public keys and signature checks, for QuestDB's ILP-over-TCP authentication (the
// server sends a random challenge, the client answers with the base64 of its ECDSA SHA-256
// signature of it; see src/ilp/tcp_auth.h). Keys are given as the x and y coordinates of a JWK
// (base64url, 32 bytes each), the form QuestDB's auth file and its clients use.
//
//   ASSIGN_OR_RETURN(auto key, auth::EcPublicKey::FromJwk(x, y));
//   if (key.Verify(challenge, der_signature)) ...
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata::auth {

class EcPublicKey {
 public:
  // The P-256 point (x, y), each base64url (or base64) of 32 bytes. InvalidArgument when either
  // does not decode to 32 bytes or the point is not on the curve.
  static Result<EcPublicKey> FromJwk(std::string_view x, std::string_view y);
  // Whether `signature` (DER, as Node's crypto.sign and Java's SHA256withECDSA produce; a raw
  // 64-byte r||s is accepted too) is this key's ECDSA signature of SHA-256(message).
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// Decodes base64 in either alphabet (standard `+/` or URL-safe `-_`), padding optional; false on
// any other character.
bool Base64DecodeAny(std::string_view in, std::string* out);

}  // namespace strata::auth
