// Test helpers for the S3 object store: a tiny HTTP/1.1 server on 127.0.0.1 whose handler sees
// each request and decides the raw response (or drops the connection), so tests can capture what
// libcurl sent, inject 500s, corrupt bytes, or proxy to a real s3rver with faults in between; and
// a launcher for the local s3rver (tools/s3/server.sh).
//
// One connection at a time, one request per connection ("Connection: close"), enough for the
// object store's sequential requests. Not for production.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace strata::testing {

struct HttpMessage {
  std::string start_line;                                    // "PUT /bucket/key?x=1 HTTP/1.1" or "HTTP/1.1 200 OK"
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(),
                                                [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return "";
  }
  void SetHeader(const std::string& name, const std::string& value) {
    RemoveHeader(name);
    headers.emplace_back(name, value);
  }
  void RemoveHeader(std::string_view name) {
    std::erase_if(headers, [&](const auto& h) {
      return h.first.size() == name.size() &&
             std::equal(h.first.begin(), h.first.end(), name.begin(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
    });
  }
  std::string method() const { return start_line.substr(0, start_line.find(' ')); }
  std::string target() const {
    const size_t a = start_line.find(' ') + 1;
    return start_line.substr(a, start_line.find(' ', a) - a);
  }
  int status() const { return std::atoi(start_line.c_str() + start_line.find(' ') + 1); }
  std::string Serialize() const {
    std::string out = start_line + "\r\n";
    for (const auto& [n, v] : headers) out += n + ": " + v + "\r\n";
    return out + "\r\n" + body;
  }
};

inline bool ReadAll(int fd, std::string* out) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

inline bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Parses one HTTP message from `fd`: headers, then Content-Length bytes of body (or, for a
// response without Content-Length, everything up to EOF). False on a malformed or cut message.
inline bool ReadMessage(int fd, HttpMessage* msg, bool is_response) {
  std::string data;
  char buf[65536];
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    data.append(buf, static_cast<size_t>(n));
  }
  size_t pos = data.find("\r\n");
  msg->start_line = data.substr(0, pos);
  pos += 2;
  while (pos < header_end) {
    size_t eol = data.find("\r\n", pos);
    std::string line = data.substr(pos, eol - pos);
    size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    msg->headers.emplace_back(line.substr(0, colon), value);
    pos = eol + 2;
  }
  msg->body = data.substr(header_end + 4);
  if (!is_response && msg->Header("Expect") == "100-continue" && msg->body.empty()) {
    // libcurl asks before sending a body of more than 1 MiB; answer as a real server would.
    if (!WriteAll(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return false;
  }
  const std::string len = msg->Header("Content-Length");
  if (len.empty()) {
    if (is_response && msg->method() != "HEAD") return ReadAll(fd, &msg->body);
    return true;
  }
  const size_t want = std::stoull(len);
  while (msg->body.size() < want) {
    ssize_t n = ::read(fd, buf, std::min(sizeof(buf), want - msg->body.size()));
    if (n <= 0) return false;
    msg->body.append(buf, static_cast<size_t>(n));
  }
  return true;
}

inline std::string HttpResponseText(int status, const std::string& reason, const std::string& body,
                                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpMessage m;
  m.start_line = "HTTP/1.1 " + std::to_string(status) + " " + reason;
  m.headers = std::move(headers);
  m.SetHeader("Content-Length", std::to_string(body.size()));
  m.SetHeader("Connection", "close");
  m.body = body;
  return m.Serialize();
}

inline std::string S3ErrorResponse(int status, const std::string& code, const std::string& message) {
  return HttpResponseText(status, "Error",
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
                              message + "</Message></Error>",
                          {{"Content-Type", "application/xml"}});
}

// Sends `req` to 127.0.0.1:`port` and returns the whole response (forced "Connection: close"),
// or nullopt when the upstream is unreachable or hangs up.
inline std::optional<HttpMessage> ForwardHttp(int port, HttpMessage req, bool head = false) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  req.SetHeader("Connection", "close");
  req.RemoveHeader("Expect");  // we have the whole body already
  HttpMessage resp;
  bool ok = WriteAll(fd, req.Serialize());
  if (ok) {
    std::string raw;
    ok = ReadAll(fd, &raw);
    while (raw.rfind("HTTP/1.1 1", 0) == 0 && raw.find("\r\n\r\n") != std::string::npos) {
      raw.erase(0, raw.find("\r\n\r\n") + 4);  // skip interim 1xx responses
    }
    // Re-parse from the raw bytes (HEAD responses carry a Content-Length but no body).
    size_t header_end = raw.find("\r\n\r\n");
    ok = ok && header_end != std::string::npos;
    if (ok) {
      size_t pos = raw.find("\r\n");
      resp.start_line = raw.substr(0, pos);
      pos += 2;
      while (pos < header_end) {
        size_t eol = raw.find("\r\n", pos);
        std::string line = raw.substr(pos, eol - pos);
        size_t colon = line.find(':');
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        resp.headers.emplace_back(line.substr(0, colon), value);
        pos = eol + 2;
      }
      resp.body = raw.substr(header_end + 4);
      if (resp.Header("Transfer-Encoding") == "chunked") {  // de-chunk so tests can edit the body
        std::string plain;
        size_t p = 0;
        while (p < resp.body.size()) {
          size_t eol = resp.body.find("\r\n", p);
          size_t n = std::stoul(resp.body.substr(p, eol - p), nullptr, 16);
          if (n == 0) break;
          plain += resp.body.substr(eol + 2, n);
          p = eol + 2 + n + 2;
        }
        resp.body = plain;
        resp.RemoveHeader("Transfer-Encoding");
        resp.SetHeader("Content-Length", std::to_string(plain.size()));
      }
    }
  }
  (void)head;
  ::close(fd);
  if (!ok) return std::nullopt;
  resp.RemoveHeader("Keep-Alive");
  resp.SetHeader("Connection", "close");
  return resp;
}

class FakeHttpServer {
 public:
  // Returns the raw response bytes to send, or nullopt to close the connection without a word.
  using Handler = std::function<std::optional<std::string>(const HttpMessage& request)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 16) != 0) {
      ADD_FAILURE() << "FakeHttpServer: bind/listen on 127.0.0.1 failed";
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  std::vector<HttpMessage> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      // CLOEXEC: a server the test starts meanwhile (fork+exec) must not inherit the connection
      // and keep it open after we close it.
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      HttpMessage req;
      if (ReadMessage(fd, &req, false)) {
        ++requests_;
        {
          std::lock_guard<std::mutex> lock(mu_);
          seen_.push_back(req);
        }
        std::optional<std::string> resp = handler_(req);
        if (resp) WriteAll(fd, *resp);
      }
      ::close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::vector<HttpMessage> seen_;
  std::thread thread_;
};

// The local s3rver, started by tools/s3/server.sh in a temporary directory.
class LocalS3Server {
 public:
  static std::string Script() {
    if (const char* s = std::getenv("STRATA_S3_SERVER_SH")) return s;
    return (std::filesystem::path(__FILE__).parent_path().parent_path() / "tools/s3/server.sh").string();
  }

  // Starts on `port` (0: a free one). Returns "" on success, else why not.
  std::string Start(const std::string& dir, int port = 0) {
    dir_ = dir;
    std::string out;
    const std::string cmd = "bash '" + Script() + "' start '" + dir + "' " + std::to_string(port) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    const int rc = ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (rc != 0 || out.rfind("http://127.0.0.1:", 0) != 0) {
      if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
        return "s3rver is not installed: run tools/interop/setup.sh (it installs s3rver from npm into "
               "~/.cache/strata/npm). server.sh said: " +
               out;
      }
      return "tools/s3/server.sh start failed (exit " + std::to_string(rc) + "): " + out;
    }
    endpoint_ = out;
    port_ = std::stoi(out.substr(out.rfind(':') + 1));
    return "";
  }
  // SIGKILL (crash) or SIGTERM the server started on the same directory.
  void Kill() { Run("kill"); }
  void Stop() { Run("stop"); }
  ~LocalS3Server() {
    if (!dir_.empty()) Stop();
  }

  const std::string& endpoint() const { return endpoint_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  void Run(const char* what) {
    const std::string cmd = "bash '" + Script() + "' " + what + " '" + dir_ + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << cmd << " failed";
  }
  std::string dir_, endpoint_;
  int port_ = 0;
};

// A proxy in front of s3rver that adds the two multipart calls s3rver 3.7 lacks, answered from its
// data directory as S3 answers them: ListMultipartUploads (GET /bucket?...uploads=; s3rver keeps
// an upload in <data>/<bucket>/._S3rver_uploads/<id>/ with its full key in the file `key`) and
// AbortMultipartUpload (DELETE /bucket/key?uploadId=<id>: 204, or 404 NoSuchUpload). Everything
// else is forwarded. Requests `drop` matches get their connection closed without an answer (a
// client that dies, or a network that fails, mid-upload).
class S3UploadsShim {
 public:
  S3UploadsShim(int upstream_port, std::string data_dir)
      : upstream_(upstream_port),
        data_(std::move(data_dir)),
        server_([this](const HttpMessage& req) { return Handle(req); }) {}

  std::string endpoint() const { return server_.endpoint(); }
  std::function<bool(const HttpMessage&)> drop;

  // Full keys of the uploads s3rver holds for `bucket`, read from its directory (not through S3).
  std::vector<std::string> UploadKeys(const std::string& bucket) const {
    std::vector<std::string> out;
    for (const auto& u : Uploads(bucket)) out.push_back(u.first);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  static std::string Decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }
  static std::string Param(const std::string& query, const std::string& name) {
    size_t at = 0;
    while (at <= query.size()) {
      const size_t amp = query.find('&', at);
      const std::string kv = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      if (kv.rfind(name + "=", 0) == 0) return Decode(kv.substr(name.size() + 1));
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
    return "";
  }
  std::filesystem::path UploadsDir(const std::string& bucket) const {
    return std::filesystem::path(data_) / bucket / "._S3rver_uploads";
  }
  // (full key, upload id, initiated) of every upload of `bucket`.
  std::vector<std::pair<std::string, std::pair<std::string, std::time_t>>> UploadsWithTime(
      const std::string& bucket) const {
    std::vector<std::pair<std::string, std::pair<std::string, std::time_t>>> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(UploadsDir(bucket), ec)) {
      std::ifstream in(e.path() / "key");
      std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      struct stat st {};
      ::stat(e.path().c_str(), &st);
      out.push_back({key, {e.path().filename().string(), st.st_mtime}});
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> Uploads(const std::string& bucket) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& u : UploadsWithTime(bucket)) out.push_back({u.first, u.second.first});
    return out;
  }

  std::optional<std::string> Handle(const HttpMessage& req) {
    if (drop && drop(req)) return std::nullopt;
    const std::string target = req.target();
    const size_t q = target.find('?');
    const std::string path = Decode(target.substr(1, q == std::string::npos ? std::string::npos : q - 1));
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    const size_t slash = path.find('/');
    const std::string bucket = path.substr(0, slash);
    const bool has_uploads = ("&" + query).find("&uploads") != std::string::npos;
    if (req.method() == "GET" && slash == std::string::npos && has_uploads) {
      const std::string prefix = Param(query, "prefix");
      auto uploads = UploadsWithTime(bucket);
      std::sort(uploads.begin(), uploads.end());
      std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult><Bucket>" + bucket +
                        "</Bucket><IsTruncated>false</IsTruncated>";
      for (const auto& [key, rest] : uploads) {
        if (key.rfind(prefix, 0) != 0) continue;
        char when[32];
        std::tm tm{};
        ::gmtime_r(&rest.second, &tm);
        std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        xml += "<Upload><Key>" + key + "</Key><UploadId>" + rest.first + "</UploadId><Initiated>" + when +
               "</Initiated></Upload>";
      }
      xml += "</ListMultipartUploadsResult>";
      return HttpResponseText(200, "OK", xml, {{"Content-Type", "application/xml"}});
    }
    const std::string upload_id = Param(query, "uploadId");
    if (req.method() == "DELETE" && slash != std::string::npos && !upload_id.empty()) {
      const std::filesystem::path dir = UploadsDir(bucket) / upload_id;
      std::error_code ec;
      if (upload_id.find('/') != std::string::npos || !std::filesystem::exists(dir, ec)) {
        return S3ErrorResponse(404, "NoSuchUpload", "The specified upload does not exist.");
      }
      std::filesystem::remove_all(dir, ec);
      return HttpResponseText(204, "No Content", "");
    }
    auto resp = ForwardHttp(upstream_, req);
    if (!resp) return std::nullopt;
    return resp->Serialize();
  }

  int upstream_;
  std::string data_;
  FakeHttpServer server_;
};

}  // namespace strata::testing
