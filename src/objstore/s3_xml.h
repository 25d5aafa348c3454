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

struct S3CompleteResult {
  std::string etag;             // unquoted
  std::string checksum_sha256;  // <ChecksumSHA256> ("<base64>-<parts>"), empty when not sent
};

// <CompleteMultipartUploadResult><ETag> (unquoted) and <ChecksumSHA256>. S3 may answer 200 and
// put an <Error> in the body; that comes back as an error status with the Code and Message.
Result<S3CompleteResult> ParseCompleteMultipartUpload(std::string_view xml);

// One multipart upload begun and neither completed nor aborted (ListMultipartUploads).
struct S3UploadInfo {
  std::string key;  // full key, as in the bucket
  std::string upload_id;
  int64_t initiated_unix_s = 0;  // <Initiated>, seconds since the epoch (UTC)
};

struct S3UploadsPage {
  std::vector<S3UploadInfo> uploads;
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;  // set when truncated
};

// <ListMultipartUploadsResult>. A truncated page without NextKeyMarker is Corruption; an
// <Upload> without Key, UploadId or a parsable Initiated time too.
Result<S3UploadsPage> ParseListMultipartUploads(std::string_view xml);

// "2010-11-10T20:48:33.000Z" -> seconds since the epoch; nullopt when it does not parse.
std::optional<int64_t> ParseIso8601Utc(std::string_view text);

struct S3Error {
  std::string code;     // "NoSuchKey", "SlowDown", ...
  std::string message;  // human text
};

// The <Error> document S3 sends with failures; nullopt when `xml` is not one.
std::optional<S3Error> ParseS3Error(std::string_view xml);

struct S3CompletedPart {
  int number = 0;
  std::string etag;             // unquoted, as the server returned it for the part
  std::string checksum_sha256;  // base64 SHA-256 of the part; omitted when empty
};
std::string BuildCompleteMultipartUpload(const std::vector<S3CompletedPart>& parts);

}  // namespace strata
