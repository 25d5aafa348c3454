// Password authentication for the PostgreSQL wire protocol: cleartext, MD5 and SCRAM-SHA-256
// (RFC 5802 / RFC 7677, as PostgreSQL 10+ speaks it, without channel binding), over OpenSSL.
//
// The server keeps plain secrets (the tokens of `strata serve --auth-file`), so each connection
// derives its SCRAM keys from the secret with a fresh random salt; nothing is stored.
#pragma once

#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata::pgwire {

// "md5" + hex(md5(hex(md5(password + user)) + salt)), what a client answers to
// AuthenticationMD5Password.
std::string Md5Response(std::string_view user, std::string_view password, std::string_view salt4);

// Constant-time equality (the lengths are not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string RandomBytes(size_t n);
std::string Base64Encode(std::string_view in);
Result<std::string> Base64Decode(std::string_view in);

// The server side of one SCRAM-SHA-256 exchange.
class ScramServer {
 public:
  // `password`: the user's secret; empty with `unknown_user` to run the exchange to its end and
  // fail there (so that a stranger cannot tell unknown users from wrong passwords).
  ScramServer(std::string password, bool unknown_user);
  // client-first-message -> server-first-message. InvalidArgument for a malformed message or a
  // channel binding request.
  Result<std::string> First(std::string_view client_first);
  // client-final-message -> server-final-message ("v=..."). PermissionDenied-like InvalidArgument
  // "28P01: ..." when the proof is wrong.
  Result<std::string> Final(std::string_view client_final);

 private:
  std::string password_;
  bool unknown_user_;
  std::string client_first_bare_, server_first_, nonce_, salt_;
  int iterations_ = 4096;
};

// The client side (tests and benches): builds client-first / client-final messages.
class ScramClient {
 public:
  ScramClient(std::string user, std::string password);
  std::string First();
  Result<std::string> Final(std::string_view server_first);
  Status Verify(std::string_view server_final) const;

 private:
  std::string user_, password_, nonce_, client_first_bare_, server_signature_;
};

}  // namespace strata::pgwire
