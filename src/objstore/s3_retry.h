// When an S3 request is tried again, and how long to wait first. Pure functions, so the policy is
// unit-tested without a network.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata {

// What went wrong below HTTP (mapped from libcurl's codes by the HTTP client).
enum class TransportError {
  kNone,            // a complete HTTP response arrived
  kConnect,         // could not connect / resolve / TLS handshake
  kTimeout,         // connect or transfer timed out, or the transfer stalled
  kBrokenTransfer,  // connection reset, nothing received, short body
  kOther,           // anything else (bad URL, a local read callback failed, ...): not retried
};

// Retry 5xx (not 501 Not Implemented), 429, S3's throttling/timeout codes and its checksum mismatches (BadDigest,
// XAmzContentSHA256Mismatch: the body was damaged on the way), also when sent with a 400/403, and
// the transport errors a new connection can cure. Never other 4xx: asking again will not help.
bool IsRetryable(TransportError transport, long http_status, std::string_view s3_error_code);

struct RetryPolicy {
  int max_attempts = 6;
  int base_delay_ms = 100;
  int max_delay_ms = 5000;
  int budget_ms = 60000;
};

// The wait before retry number `retry` (1 = the first retry), full jitter: `random` (any 64-bit
// value, uniformly distributed) picks a point in [0, min(max_delay, base_delay * 2^(retry-1))].
int BackoffDelayMs(const RetryPolicy& policy, int retry, uint64_t random);

// Whether to try again after `attempts` attempts that took `elapsed_ms` so far, if the next
// wait is `next_delay_ms`: within max_attempts, and the retry would start before the budget ends.
bool ShouldRetryAgain(const RetryPolicy& policy, int attempts, int64_t elapsed_ms, int next_delay_ms);

}  // namespace strata
