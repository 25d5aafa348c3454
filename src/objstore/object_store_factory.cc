#include <ctime>

#include "objstore/object_store.h"
#include "objstore/s3_object_store.h"

namespace strata {

std::string ObjectLock::RetainUntilIso8601() const {
  const std::time_t t = static_cast<std::time_t>(retain_until_unix_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

Status CheckObjectKey(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.back() == '/') {
    return Status::InvalidArgument("bad object key '" + std::string(key) + "': want a relative path to a file");
  }
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    std::string_view part = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument("bad object key '" + std::string(key) + "': empty, '.' or '..' path component");
    }
    if (slash == std::string_view::npos) return Status::OK();
    start = slash + 1;
  }
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view location, FileSystem* fs,
                                                     const S3Options& s3_defaults) {
  const std::string loc(location);
  if (location.empty()) return Status::InvalidArgument("empty object store location: want a directory or s3://bucket");
  if (location.substr(0, 5) == "s3://") {
    ASSIGN_OR_RETURN(S3Location where, ParseS3Uri(location));
    S3Options options = s3_defaults;
    options.bucket = where.bucket;
    options.prefix = where.prefix;
    auto store = NewS3ObjectStore(std::move(options));
    if (!store.ok()) return store.status().WithContext("opening '" + loc + "'");
    return store;
  }
  if (location.substr(0, 7) == "file://") {
    std::string_view path = location.substr(7);
    if (path.substr(0, 9) == "localhost") path.remove_prefix(9);
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("bad location '" + loc + "': want file:///absolute/path");
    }
    return NewLocalObjectStore(fs, std::string(path));
  }
  const size_t scheme = location.find("://");
  if (scheme != std::string_view::npos) {
    return Status::InvalidArgument("bad location '" + loc + "': unsupported scheme '" +
                                   std::string(location.substr(0, scheme)) + "://' (want a path, file:// or s3://)");
  }
  return NewLocalObjectStore(fs, loc);
}

}  // namespace strata
