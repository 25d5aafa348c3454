// How to reach an S3-compatible bucket: endpoint, region, addressing, credentials, timeouts,
// retries and multipart sizes, plus the parsing of "s3://bucket/prefix" locations.
//
// Empty fields are filled from the standard AWS environment variables by ResolveS3Options:
//   endpoint    AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, else https://s3.<region>.amazonaws.com
//   region      AWS_REGION, then AWS_DEFAULT_REGION, else us-east-1
//   credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (all empty: unsigned)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; sent as x-amz-security-token
  bool empty() const { return access_key_id.empty() && secret_access_key.empty(); }
};

struct S3Options {
  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"; empty: from the environment.
  std::string endpoint;
  // Signing region; empty: from the environment, else "us-east-1".
  std::string region;
  std::string bucket;
  // Key prefix inside the bucket ("cold/prod"), no leading or trailing '/'; may be empty.
  std::string prefix;
  // http://host/bucket/key (path style) or http://bucket.host/key (virtual-hosted style).
  // Unset: path style for custom endpoints, virtual-hosted style for amazonaws.com.
  std::optional<bool> path_style;
  // Empty: from the environment.
  S3Credentials credentials;

  int connect_timeout_ms = 5000;
  // A transfer that moves fewer than 1 KiB/s for this long is aborted (and retried); unlike a
  // whole-request timeout it does not punish a large object on a slow but live link.
  int low_speed_timeout_s = 30;
  // Upper bound for a single request, 0 = none.
  int request_timeout_ms = 0;

  // Attempts per request, the first included. Retried: 5xx, 429, S3's RequestTimeout/SlowDown,
  // timeouts, connection errors and corrupted transfers; never other 4xx.
  int max_attempts = 6;
  // Exponential backoff with full jitter: before retry n the wait is uniform in
  // [0, min(retry_max_delay_ms, retry_base_delay_ms * 2^(n-1))].
  int retry_base_delay_ms = 100;
  int retry_max_delay_ms = 5000;
  // No retry starts once this much time has passed since the first attempt of a request.
  int retry_budget_ms = 60000;

  // PutFile/Put of more than this many bytes goes up as a multipart upload.
  uint64_t multipart_threshold = 64ull << 20;
  // Bytes per part (S3 needs >= 5 MiB for every part but the last; at most 10,000 parts).
  uint64_t part_size = 16ull << 20;

  // Idle connections kept for reuse (one per concurrent request).
  int max_idle_connections = 16;
  bool verify_tls = true;
};

inline constexpr uint64_t kS3MinPartSize = 5ull << 20;
inline constexpr int kS3MaxParts = 10000;

// Reads an environment variable; nullptr when unset. Tests pass a fake.
using GetEnvFn = std::function<const char*(const char*)>;
const char* RealGetEnv(const char* name);

// Fills the empty fields of `options` from the environment and the defaults above, and checks
// the result (endpoint scheme, bucket name, sizes). The bucket must be set by the caller.
Result<S3Options> ResolveS3Options(S3Options options, const GetEnvFn& getenv = RealGetEnv);

struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'
};

// "s3://bucket" or "s3://bucket/some/prefix/" -> {bucket, "some/prefix"}. Rejects other schemes,
// bad bucket names, empty/"."/".." prefix components, '?' and '#'.
Result<S3Location> ParseS3Uri(std::string_view uri);

// A bucket name S3 accepts: 3-63 of [a-z0-9.-], starting and ending with a letter or digit.
bool IsValidBucketName(std::string_view bucket);

// Percent-encodes `s` as SigV4 wants: A-Z a-z 0-9 - . _ ~ stay, '/' stays when `keep_slash`,
// every other byte becomes %XX (upper-case hex).
std::string S3UriEncode(std::string_view s, bool keep_slash);

}  // namespace strata
