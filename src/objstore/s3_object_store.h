// An ObjectStore on an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, s3rver), over libcurl.
//
// Guarantees (see README.md in this folder for how):
//  - Atomic puts: a single PUT, or a multipart upload that only becomes visible on
//    CompleteMultipartUpload and is aborted on any failure before it. ListIncompleteUploads and
//    AbortIncompleteUpload find and free the uploads of a process that died mid-way.
//  - End-to-end checksums: every request body carries its real SHA-256 (x-amz-content-sha256) and
//    every PUT its Content-MD5 and x-amz-checksum-sha256, which S3 checks. A put is confirmed by
//    the checksum the server returns, or by an ETag equal to our MD5 (multipart: MD5-of-part-MD5s
//    "-N"); otherwise (SSE-KMS ETags are not MD5s) the object is read back and compared. Every object stores its SHA-256 in x-amz-meta-sha256, and Get checks
//    the bytes it received against it. Ranged reads check Content-Range and length, and use
//    If-Match with the ETag seen at OpenRead so a replaced object is never read half old, half new.
//  - Retries with exponential backoff and full jitter on 5xx, 429, S3 throttling codes, timeouts,
//    connection errors and corrupted transfers; bounded by S3Options::max_attempts and
//    retry_budget_ms. Errors name the s3:// URI, the HTTP status and S3's Code and Message.
//
// Thread-safe: any number of threads may share one store (connections are pooled). Files from
// OpenRead must not outlive their store.
#pragma once

#include <memory>

#include "objstore/object_store.h"
#include "objstore/s3_options.h"

namespace strata {

// `options` are resolved with ResolveS3Options (environment, defaults) first.
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(S3Options options);

// Creates `options.bucket` (OK if it already exists and is ours). For tests and first-time setup.
Status CreateS3Bucket(S3Options options);

}  // namespace strata
