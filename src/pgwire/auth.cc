#include "pgwire/auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>

namespace strata::pgwire {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

std::string Md5Hex(std::string_view s) {
  unsigned char md[16];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_md5(), nullptr);
  return Hex(md, 16);
}

std::string Hmac(std::string_view key, std::string_view msg) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view s) {
  unsigned char out[32];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string SaltedPassword(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), 32, out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string Xor(std::string_view a, std::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

// The value of attribute `key` ("r", "s", ...) in a comma-separated SCRAM message.
std::string_view Attr(std::string_view msg, char key) {
  size_t i = 0;
  while (i < msg.size()) {
    size_t end = msg.find(',', i);
    if (end == std::string_view::npos) end = msg.size();
    if (end - i >= 2 && msg[i] == key && msg[i + 1] == '=') return msg.substr(i + 2, end - i - 2);
    i = end + 1;
  }
  return {};
}

Status Protocol(const std::string& msg) { return Status::InvalidArgument("08P01: SCRAM: " + msg); }

}  // namespace

std::string Md5Response(std::string_view user, std::string_view password, std::string_view salt4) {
  const std::string inner = Md5Hex(std::string(password) + std::string(user));
  return "md5" + Md5Hex(inner + std::string(salt4));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return Protocol("bad base64");
  std::string out(in.size() / 4 * 3 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return Protocol("bad base64");
  size_t len = static_cast<size_t>(n);
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;  // EVP_DecodeBlock keeps pad bytes
  out.resize(len);
  return out;
}

ScramServer::ScramServer(std::string password, bool unknown_user)
    : password_(std::move(password)), unknown_user_(unknown_user) {}

Result<std::string> ScramServer::First(std::string_view client_first) {
  // gs2-header: "n,," (no channel binding) or "y,," (client supports it, we do not).
  if (client_first.size() < 3) return Protocol("client-first-message too short");
  if (client_first[0] == 'p') return Protocol("channel binding is not supported; use SCRAM-SHA-256 without -PLUS");
  if ((client_first[0] != 'n' && client_first[0] != 'y') || client_first[1] != ',') {
    return Protocol("malformed gs2 header");
  }
  const size_t second_comma = client_first.find(',', 2);
  if (second_comma == std::string_view::npos) return Protocol("malformed gs2 header");
  client_first_bare_ = std::string(client_first.substr(second_comma + 1));
  const std::string_view cnonce = Attr(client_first_bare_, 'r');
  if (cnonce.empty()) return Protocol("client nonce missing");
  for (char c : cnonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return Protocol("invalid client nonce");
  }
  nonce_ = std::string(cnonce) + Base64Encode(RandomBytes(18));
  salt_ = RandomBytes(16);
  server_first_ = "r=" + nonce_ + ",s=" + Base64Encode(salt_) + ",i=" + std::to_string(iterations_);
  return server_first_;
}

Result<std::string> ScramServer::Final(std::string_view client_final) {
  const size_t p = client_final.rfind(",p=");
  if (p == std::string_view::npos) return Protocol("client proof missing");
  const std::string_view without_proof = client_final.substr(0, p);
  if (Attr(without_proof, 'r') != nonce_) return Protocol("nonce mismatch");
  const std::string_view cb = Attr(without_proof, 'c');
  if (cb != "biws" && cb != "eSws") return Protocol("unexpected channel binding");
  ASSIGN_OR_RETURN(std::string proof, Base64Decode(client_final.substr(p + 3)));
  const std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const std::string salted = SaltedPassword(password_, salt_, iterations_);
  const std::string client_key = Hmac(salted, "Client Key");
  const std::string stored_key = Sha256(client_key);
  const std::string client_signature = Hmac(stored_key, auth_message);
  const std::string expected = Xor(client_key, client_signature);
  if (!ConstantTimeEquals(proof, expected) || unknown_user_) {
    return Status::InvalidArgument("28P01: password authentication failed");
  }
  const std::string server_key = Hmac(salted, "Server Key");
  return "v=" + Base64Encode(Hmac(server_key, auth_message));
}

ScramClient::ScramClient(std::string user, std::string password)
    : user_(std::move(user)), password_(std::move(password)) {}

std::string ScramClient::First() {
  nonce_ = Base64Encode(RandomBytes(18));
  client_first_bare_ = "n=,r=" + nonce_;
  return "n,," + client_first_bare_;
}

Result<std::string> ScramClient::Final(std::string_view server_first) {
  const std::string nonce(Attr(server_first, 'r'));
  ASSIGN_OR_RETURN(std::string salt, Base64Decode(Attr(server_first, 's')));
  const int iterations = std::atoi(std::string(Attr(server_first, 'i')).c_str());
  if (nonce.rfind(nonce_, 0) != 0 || iterations <= 0) return Protocol("bad server-first-message");
  const std::string without_proof = "c=biws,r=" + nonce;
  const std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  const std::string salted = SaltedPassword(password_, salt, iterations);
  const std::string client_key = Hmac(salted, "Client Key");
  const std::string proof = Xor(client_key, Hmac(Sha256(client_key), auth_message));
  server_signature_ = Hmac(Hmac(salted, "Server Key"), auth_message);
  return without_proof + ",p=" + Base64Encode(proof);
}

Status ScramClient::Verify(std::string_view server_final) const {
  ASSIGN_OR_RETURN(std::string sig, Base64Decode(Attr(server_final, 'v')));
  if (!ConstantTimeEquals(sig, server_signature_)) return Protocol("server signature mismatch");
  return Status::OK();
}

}  // namespace strata::pgwire
