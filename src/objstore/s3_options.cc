#include "objstore/s3_options.h"

#include <cstdlib>

namespace strata {
namespace {

std::string FromEnv(const GetEnvFn& getenv, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = getenv(name);
    if (v != nullptr && *v != '\0') return v;
  }
  return "";
}

Status CheckPrefix(std::string_view uri, std::string_view prefix) {
  size_t start = 0;
  while (start < prefix.size()) {
    size_t slash = prefix.find('/', start);
    if (slash == std::string_view::npos) slash = prefix.size();
    std::string_view part = prefix.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument("bad S3 location '" + std::string(uri) +
                                     "': empty, '.' or '..' component in the key prefix");
    }
    start = slash + 1;
  }
  return Status::OK();
}

}  // namespace

const char* RealGetEnv(const char* name) { return std::getenv(name); }

bool IsValidBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : b) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return alnum(b.front()) && alnum(b.back()) && b.find("..") == std::string_view::npos;
}

std::string S3UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || (c == '/' && keep_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<S3Location> ParseS3Uri(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("bad S3 location '" + std::string(uri) + "': want s3://bucket[/prefix]");
  }
  if (uri.find_first_of("?#") != std::string_view::npos) {
    return Status::InvalidArgument("bad S3 location '" + std::string(uri) +
                                   "': '?' and '#' are not allowed (options go in S3Options or the environment)");
  }
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (bucket.empty()) {
    return Status::InvalidArgument("bad S3 location '" + std::string(uri) + "': no bucket name after s3://");
  }
  if (!IsValidBucketName(bucket)) {
    return Status::InvalidArgument("bad S3 location '" + std::string(uri) + "': bucket name '" + std::string(bucket) +
                                   "' is not 3-63 characters of a-z, 0-9, '.', '-'");
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  RETURN_IF_ERROR(CheckPrefix(uri, prefix));
  return S3Location{std::string(bucket), std::string(prefix)};
}

Result<S3Options> ResolveS3Options(S3Options o, const GetEnvFn& getenv) {
  if (o.region.empty()) o.region = FromEnv(getenv, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (o.region.empty()) o.region = "us-east-1";
  if (o.endpoint.empty()) o.endpoint = FromEnv(getenv, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  const bool custom_endpoint = !o.endpoint.empty();
  if (!custom_endpoint) o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  if (!o.path_style.has_value()) {
    o.path_style = custom_endpoint && o.endpoint.find("amazonaws.com") == std::string::npos;
  }
  if (o.credentials.empty()) {
    o.credentials.access_key_id = FromEnv(getenv, {"AWS_ACCESS_KEY_ID"});
    o.credentials.secret_access_key = FromEnv(getenv, {"AWS_SECRET_ACCESS_KEY"});
    o.credentials.session_token = FromEnv(getenv, {"AWS_SESSION_TOKEN"});
  }

  const std::string where = "S3 options for s3://" + o.bucket + (o.prefix.empty() ? "" : "/" + o.prefix);
  if (o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument(where + ": endpoint '" + o.endpoint + "' must start with http:// or https://");
  }
  if (o.endpoint.find_first_of("?# ") != std::string::npos) {
    return Status::InvalidArgument(where + ": endpoint '" + o.endpoint + "' must be scheme://host[:port][/path]");
  }
  if (!IsValidBucketName(o.bucket)) {
    return Status::InvalidArgument(where + ": bucket name '" + o.bucket +
                                   "' is not 3-63 characters of a-z, 0-9, '.', '-'");
  }
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  RETURN_IF_ERROR(CheckPrefix(where, o.prefix));
  if (o.credentials.access_key_id.empty() != o.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument(where +
                                   ": set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither, for "
                                   "anonymous access)");
  }
  if (o.part_size < kS3MinPartSize) {
    return Status::InvalidArgument(where + ": part_size " + std::to_string(o.part_size) +
                                   " is below S3's minimum of 5 MiB");
  }
  if (o.multipart_threshold < o.part_size) o.multipart_threshold = o.part_size;
  if (o.max_attempts < 1) o.max_attempts = 1;
  if (o.retry_base_delay_ms < 0 || o.retry_max_delay_ms < 0 || o.retry_budget_ms < 0 || o.connect_timeout_ms < 0 ||
      o.low_speed_timeout_s < 0 || o.request_timeout_ms < 0) {
    return Status::InvalidArgument(where + ": negative timeout or delay");
  }
  return o;
}

}  // namespace strata
