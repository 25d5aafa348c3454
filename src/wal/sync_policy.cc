#include <charconv>

#include "wal/wal.h"

namespace strata {
namespace {

constexpr int kMaxIntervalMs = 3'600'000;

Status BadPolicy(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("invalid fsync policy '" + std::string(text) + "'" +
                                 (why.empty() ? "" : ": " + std::string(why)) +
                                 "; expected always, none, interval, interval=<ms> or interval=<ms>ms "
                                 "(1 to 3600000 ms), e.g. interval=10");
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<SyncPolicy> SyncPolicy::Parse(std::string_view text) {
  std::string_view t = Trim(text);
  SyncPolicy p;
  if (t == "always") {
    p.mode = FsyncMode::kAlways;
    return p;
  }
  if (t == "none") {
    p.mode = FsyncMode::kNone;
    return p;
  }
  p.mode = FsyncMode::kInterval;
  if (t == "interval") return p;
  constexpr std::string_view kPrefix = "interval=";
  if (t.substr(0, kPrefix.size()) != kPrefix) return BadPolicy(text, "");
  std::string_view num = t.substr(kPrefix.size());
  if (num.size() > 2 && num.substr(num.size() - 2) == "ms") num.remove_suffix(2);
  int ms = 0;
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), ms);
  if (ec != std::errc() || end != num.data() + num.size() || num.empty()) {
    return BadPolicy(text, "the interval is not a whole number of milliseconds");
  }
  if (ms < 1 || ms > kMaxIntervalMs) return BadPolicy(text, "the interval is out of range");
  p.interval_ms = ms;
  return p;
}

std::string SyncPolicy::ToString() const {
  switch (mode) {
    case FsyncMode::kAlways: return "always";
    case FsyncMode::kNone: return "none";
    case FsyncMode::kInterval: return "interval=" + std::to_string(interval_ms);
  }
  return "?";
}

}  // namespace strata
