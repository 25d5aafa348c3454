#include "objstore/s3_retry.h"

#include <algorithm>

namespace strata {

bool IsRetryable(TransportError transport, long http_status, std::string_view code) {
  switch (transport) {
    case TransportError::kConnect:
    case TransportError::kTimeout:
    case TransportError::kBrokenTransfer: return true;
    case TransportError::kOther: return false;
    case TransportError::kNone: break;
  }
  if (code == "RequestTimeout" || code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "Throttling" || code == "ThrottlingException" || code == "RequestTimeTooSkewed" ||
      code == "RequestLimitExceeded" || code == "BadDigest" || code == "XAmzContentSHA256Mismatch") {
    return true;
  }
  // 501 Not Implemented (a compatible server without the call) is no transient failure.
  if (http_status == 501 || code == "NotImplemented") return false;
  return http_status >= 500 || http_status == 429 || http_status == 408;
}

int BackoffDelayMs(const RetryPolicy& p, int retry, uint64_t random) {
  if (retry < 1) retry = 1;
  int64_t cap = std::max(0, p.base_delay_ms);
  for (int i = 1; i < retry && cap < p.max_delay_ms; ++i) cap *= 2;
  cap = std::min<int64_t>(cap, std::max(0, p.max_delay_ms));
  return static_cast<int>(random % static_cast<uint64_t>(cap + 1));
}

bool ShouldRetryAgain(const RetryPolicy& p, int attempts, int64_t elapsed_ms, int next_delay_ms) {
  return attempts < p.max_attempts && elapsed_ms + next_delay_ms < p.budget_ms;
}

}  // namespace strata
