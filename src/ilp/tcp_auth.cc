#include "ilp/tcp_auth.h"

#include <openssl/rand.h>

#include <string>

namespace strata::ilp {
namespace {

// Base64 in either alphabet, padding optional (what the clients send is standard base64).
bool DecodeSignature(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6;
}

}  // namespace

Status QuestDbAuthHandshake(TcpHandshake& h, const TcpKeyVerifier& verify, const TcpAuthOptions& options) {
  std::string got;
  char buf[4096];
  auto read_line = [&](const char* what) -> Result<std::string> {
    for (;;) {
      if (size_t nl = got.find('\n'); nl != std::string::npos) {
        if (nl > options.max_line_bytes) break;
        std::string line = got.substr(0, nl);
        got.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (got.size() > options.max_line_bytes) break;
      ASSIGN_OR_RETURN(size_t n, h.read(buf, sizeof buf));
      if (n == 0) return Status::InvalidArgument(std::string("the client left before sending its ") + what);
      got.append(buf, n);
    }
    return Status::InvalidArgument(std::string("no ") + what + " within " + std::to_string(options.max_line_bytes) +
                                   " bytes (is the client configured for authentication? give it username= and "
                                   "token= of a key in the --auth-file)");
  };
  ASSIGN_OR_RETURN(std::string key_id, read_line("key id"));
  if (key_id.empty()) return Status::InvalidArgument("empty key id");

  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string random(options.challenge_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size())) != 1) {
    return Status::Internal("cannot make a random challenge (OpenSSL RAND_bytes failed)");
  }
  std::string challenge;
  challenge.reserve(random.size() + 1);
  // 62 letters; 256 % 62 = 8, a bias under 4% per character that leaves ~5.9 bits of entropy
  // each: 512 characters are far beyond guessing.
  for (char c : random) challenge.push_back(kAlphabet[static_cast<unsigned char>(c) % 62]);
  challenge.push_back('\n');
  RETURN_IF_ERROR(h.write(challenge));
  challenge.pop_back();

  ASSIGN_OR_RETURN(std::string encoded, read_line("signature"));
  std::string signature;
  if (!DecodeSignature(encoded, &signature) || signature.empty()) {
    return Status::InvalidArgument("key " + QuoteForMessage(key_id, 64) +
                                   ": the answer to the challenge is not base64 (a client without authentication?)");
  }
  RETURN_IF_ERROR(verify(key_id, challenge, signature));
  h.leftover = std::move(got);
  return Status::OK();
}

}  // namespace strata::ilp
