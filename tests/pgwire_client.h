// A minimal PostgreSQL protocol 3.0 client over a blocking socket, for the wire protocol tests:
// it sends exactly the bytes a test asks for (including broken ones) and reads raw messages.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "pgwire/auth.h"
#include "strata/status.h"

namespace strata::pgwire::testing {

inline std::string I16(int16_t v) {
  const uint16_t be = htons(static_cast<uint16_t>(v));
  return std::string(reinterpret_cast<const char*>(&be), 2);
}
inline std::string I32(int32_t v) {
  const uint32_t be = htonl(static_cast<uint32_t>(v));
  return std::string(reinterpret_cast<const char*>(&be), 4);
}
inline std::string Z(std::string_view s) { return std::string(s) + std::string(1, '\0'); }
inline int32_t GetI32(std::string_view s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return static_cast<int32_t>(ntohl(v));
}
inline int16_t GetI16(std::string_view s, size_t at) {
  uint16_t v;
  std::memcpy(&v, s.data() + at, 2);
  return static_cast<int16_t>(ntohs(v));
}

struct Msg {
  char type = 0;
  std::string body;
  // ErrorResponse / NoticeResponse field `code` ('C', 'M', 'P', ...), "" when absent.
  std::string Field(char code) const {
    for (size_t i = 0; i < body.size() && body[i] != 0;) {
      const char f = body[i++];
      const size_t end = body.find('\0', i);
      if (f == code) return body.substr(i, end - i);
      i = end + 1;
    }
    return "";
  }
  // DataRow: the columns (nullopt for NULL).
  std::vector<std::optional<std::string>> Columns() const {
    std::vector<std::optional<std::string>> out;
    const int n = GetI16(body, 0);
    size_t at = 2;
    for (int i = 0; i < n; ++i) {
      const int32_t len = GetI32(body, at);
      at += 4;
      if (len < 0) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(body.substr(at, len));
        at += len;
      }
    }
    return out;
  }
};

class RawClient {
 public:
  ~RawClient() { Close(); }
  Status Connect(uint16_t port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return Status::IOError("connect failed");
    return Status::OK();
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  Status SendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return Status::IOError("send failed");
      off += static_cast<size_t>(n);
    }
    return Status::OK();
  }
  Status Send(char type, const std::string& body) {
    return SendRaw(std::string(1, type) + I32(static_cast<int32_t>(body.size() + 4)) + body);
  }
  Status SendStartup(const std::vector<std::pair<std::string, std::string>>& params, int32_t protocol = 196608) {
    std::string body = I32(protocol);
    for (const auto& [k, v] : params) body += Z(k) + Z(v);
    body.push_back('\0');
    return SendRaw(I32(static_cast<int32_t>(body.size() + 4)) + body);
  }
  Result<std::string> ReadBytes(size_t n) {
    std::string out(n, '\0');
    size_t off = 0;
    while (off < n) {
      const ssize_t r = ::recv(fd_, out.data() + off, n - off, 0);
      if (r <= 0) return Status::IOError("connection closed");
      off += static_cast<size_t>(r);
    }
    return out;
  }
  Result<Msg> Read() {
    ASSIGN_OR_RETURN(std::string hdr, ReadBytes(5));
    Msg m;
    m.type = hdr[0];
    const int32_t len = GetI32(hdr, 1);
    if (len < 4) return Status::Corruption("bad length");
    ASSIGN_OR_RETURN(m.body, ReadBytes(static_cast<size_t>(len - 4)));
    return m;
  }
  // Messages up to and including the next of `type` (ReadyForQuery by default).
  Result<std::vector<Msg>> ReadUntil(char type = 'Z') {
    std::vector<Msg> out;
    while (true) {
      ASSIGN_OR_RETURN(Msg m, Read());
      out.push_back(m);
      if (m.type == type) return out;
    }
  }
  // Startup and password exchange (cleartext, MD5 or SCRAM, as the server asks) to ReadyForQuery.
  Status Login(const std::string& user, const std::string& password) {
    RETURN_IF_ERROR(SendStartup({{"user", user}, {"database", "strata"}}));
    std::unique_ptr<ScramClient> scram;
    while (true) {
      ASSIGN_OR_RETURN(Msg m, Read());
      if (m.type == 'E') return Status::InvalidArgument(m.Field('C') + " " + m.Field('M'));
      if (m.type == 'K') {
        pid = GetI32(m.body, 0);
        secret = GetI32(m.body, 4);
      }
      if (m.type == 'Z') return Status::OK();
      if (m.type != 'R') continue;
      const int32_t code = GetI32(m.body, 0);
      if (code == 3) RETURN_IF_ERROR(Send('p', Z(password)));
      if (code == 5) RETURN_IF_ERROR(Send('p', Z(Md5Response(user, password, m.body.substr(4, 4)))));
      if (code == 10) {
        scram = std::make_unique<ScramClient>(user, password);
        const std::string first = scram->First();
        RETURN_IF_ERROR(Send('p', Z("SCRAM-SHA-256") + I32(static_cast<int32_t>(first.size())) + first));
      }
      if (code == 11) {
        ASSIGN_OR_RETURN(std::string fin, scram->Final(m.body.substr(4)));
        RETURN_IF_ERROR(Send('p', fin));
      }
      if (code == 12) RETURN_IF_ERROR(scram->Verify(m.body.substr(4)));
    }
  }
  Status Query(const std::string& sql) { return Send('Q', Z(sql)); }

  int fd() const { return fd_; }
  int32_t pid = 0, secret = 0;

 private:
  int fd_ = -1;
};

}  // namespace strata::pgwire::testing
