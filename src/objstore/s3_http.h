// A small HTTP client over libcurl for the S3 object store: one request at a time per call,
// SigV4-signed by libcurl (CURLOPT_AWS_SIGV4), with a pool of easy handles so connections are
// reused across requests (ranged reads issue many small GETs). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objstore/s3_options.h"
#include "objstore/s3_retry.h"

namespace strata {

struct HttpRequest {
  std::string method;                // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // already percent-encoded, query parameters sorted (as SigV4 signs them)
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // request body for PUT/POST (sent with a Content-Length)
  // When set, a 2xx response body is written here; more than `out_capacity` bytes is an error
  // (HttpResponse::overflow). Otherwise the body goes to HttpResponse::body.
  char* out = nullptr;
  size_t out_capacity = 0;
};

struct HttpResponse {
  TransportError transport = TransportError::kNone;
  std::string transport_message;  // libcurl's words when transport != kNone
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                                          // see HttpRequest::out
  size_t out_size = 0;
  bool overflow = false;

  // The value of header `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
  bool ok() const { return transport == TransportError::kNone && status >= 200 && status < 300; }
};

class HttpClient {
 public:
  // `options` must be resolved (ResolveS3Options). Requests are signed when credentials are set.
  explicit HttpClient(const S3Options& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Perform(const HttpRequest& request);

 private:
  void* Acquire();
  void Release(void* handle);

  const S3Options options_;
  const std::string sigv4_;
  const bool loopback_;  // endpoint on this machine: ignore http_proxy & co.
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles with live connections
};

}  // namespace strata
