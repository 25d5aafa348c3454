// The S3 XML documents the object store reads and writes: ListObjectsV2 results,
// InitiateMultipartUpload and CompleteMultipartUpload results, and <Error> bodies.
// Parsed with tinyxml2; unknown elements are ignored, missing required ones are errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "objstore/object_store.h"
#include "strata/status.h"

namespace strata {

struct S3ListPage {
  std::vector<ObjectInfo> objects;  // full keys, as in the bucket
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};

// <ListBucketResult>. A truncated page without a NextContinuationToken is Corruption (it would
// make the caller loop forever or stop early).
Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

// <InitiateMultipartUploadResult><UploadId>.
Result<std::string> ParseInitiateMultipartUpload(std::string_view xml);

// <CompleteMultipartUploadResult><ETag> (unquoted). S3 may answer 200 and put an <Error> in the
// body; that comes back as an error status with the Code and Message.
Result<std::string> ParseCompleteMultipartUpload(std::string_view xml);

struct S3Error {
  std::string code;     // "NoSuchKey", "SlowDown", ...
  std::string message;  // human text
};

// The <Error> document S3 sends with failures; nullopt when `xml` is not one.
std::optional<S3Error> ParseS3Error(std::string_view xml);

struct S3CompletedPart {
  int number = 0;
  std::string etag;  // unquoted
};
std::string BuildCompleteMultipartUpload(const std::vector<S3CompletedPart>& parts);

}  // namespace strata
