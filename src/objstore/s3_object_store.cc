#include "objstore/s3_object_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <random>
#include <thread>
#include <tuple>

#include "objstore/s3_checksum.h"
#include "objstore/s3_http.h"
#include "objstore/s3_xml.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr uint64_t kHashBlock = 4 << 20;

bool ParseU64(std::string_view s, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

bool IsPlainMd5Etag(std::string_view etag) {
  return etag.size() == 32 && etag.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// What a PUT's answer proves about the bytes the server stored. S3 checks the x-amz-checksum-sha256
// and Content-MD5 we send and rejects a body that does not match them (BadDigest); it returns the
// checksum it computed, and that must be ours. Without a checksum in the answer, an ETag equal to
// the MD5 we sent proves the bytes too. Anything else proves nothing (the ETag of an SSE-KMS or
// SSE-C object is not its MD5): then the object is read back.
enum class Confirmation { kConfirmed, kMismatch, kUnconfirmed };

Confirmation Confirm(std::string_view server_checksum, std::string_view etag, const std::string& want_checksum,
                     const std::vector<std::string>& md5_etags) {
  if (!server_checksum.empty())
    return server_checksum == want_checksum ? Confirmation::kConfirmed : Confirmation::kMismatch;
  for (const std::string& e : md5_etags) {
    if (etag == e) return Confirmation::kConfirmed;
  }
  return Confirmation::kUnconfirmed;
}

// How a 2xx response is judged: OK, or an error that is retried (a corrupted transfer) or not.
struct Verdict {
  Status status;
  bool retry = false;
  static Verdict Ok() { return {}; }
  static Verdict Retry(Status st) { return {std::move(st), true}; }
  static Verdict Fail(Status st) { return {std::move(st), false}; }
};
using Checker = std::function<Verdict(const HttpResponse&)>;

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Options o) : o_(std::move(o)), http_(o_) {
    policy_ = RetryPolicy{o_.max_attempts, o_.retry_base_delay_ms, o_.retry_max_delay_ms, o_.retry_budget_ms};
    const size_t scheme_end = o_.endpoint.find("://") + 3;
    if (*o_.path_style) {
      bucket_url_ = o_.endpoint + "/" + o_.bucket;
    } else {
      bucket_url_ = o_.endpoint.substr(0, scheme_end) + o_.bucket + "." + o_.endpoint.substr(scheme_end);
    }
  }

  std::string Uri(std::string_view key) const override { return "s3://" + o_.bucket + "/" + FullKey(key); }

  Status Put(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string sha = Sha256Hex(data);
    if (data.size() <= o_.multipart_threshold) return PutSingle(key, data, sha);
    auto read = [data](uint64_t offset, size_t n, std::string*) -> Result<std::string_view> {
      return data.substr(offset, n);
    };
    return PutMultipart(key, data.size(), sha, read, "");
  }

  Status PutFile(std::string_view key, FileSystem* fs, const std::string& path) override {
    return PutFileWith(key, fs, path, {});
  }

  Status PutFileLocked(std::string_view key, FileSystem* fs, const std::string& path, const ObjectLock& lock) override {
    if (lock.mode != "compliance" && lock.mode != "governance") {
      return Status::InvalidArgument("object lock mode must be compliance or governance, got '" + lock.mode + "'");
    }
    // Upper case on the wire (S3 rejects "compliance"); S3 requires Content-MD5 or an
    // x-amz-checksum on a locked PUT, which every PUT of ours carries.
    const std::string mode = lock.mode == "compliance" ? "COMPLIANCE" : "GOVERNANCE";
    return PutFileWith(
        key, fs, path,
        {"x-amz-object-lock-mode: " + mode, "x-amz-object-lock-retain-until-date: " + lock.RetainUntilIso8601()});
  }

  Status PutFileWith(std::string_view key, FileSystem* fs, const std::string& path,
                     const std::vector<std::string>& extra_headers) {
    RETURN_IF_ERROR(CheckObjectKey(key));
    ASSIGN_OR_RETURN(auto in, fs->NewRandomAccessFile(path));
    ASSIGN_OR_RETURN(uint64_t size, in->Size());
    auto read = [&in, &path](uint64_t offset, size_t n, std::string* buf) -> Result<std::string_view> {
      buf->resize(n);
      ASSIGN_OR_RETURN(size_t got, in->Read(offset, n, buf->data()));
      if (got != n) {
        return Status::IOError(path + ": file shrank while being stored (read " + std::to_string(got) + " of " +
                               std::to_string(n) + " bytes at offset " + std::to_string(offset) + ")");
      }
      return std::string_view(*buf);
    };
    std::string buf;
    if (size <= o_.multipart_threshold) {
      ASSIGN_OR_RETURN(std::string_view data, read(0, static_cast<size_t>(size), &buf));
      return PutSingle(key, data, Sha256Hex(data), extra_headers);
    }
    // First pass: the SHA-256 of the whole file, stored with the object (x-amz-meta-sha256) so a
    // later Get can check it. The parts are hashed again as they go up, and the two must agree.
    Sha256 hasher;
    for (uint64_t off = 0; off < size; off += kHashBlock) {
      ASSIGN_OR_RETURN(std::string_view block, read(off, static_cast<size_t>(std::min(kHashBlock, size - off)), &buf));
      hasher.Update(block);
    }
    return PutMultipart(key, size, HexLower(hasher.Finish()), read, path, extra_headers);
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenRead(std::string_view key) override;

  Result<std::string> Get(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string uri = Uri(key);
    HttpRequest req = NewRequest("GET", ObjectUrl(key), kEmptySha256);
    ASSIGN_OR_RETURN(HttpResponse resp,
                     Execute("GET", uri, req, [&uri](const HttpResponse& r) { return VerifyWholeBody(uri, r); }));
    return std::move(resp.body);
  }

  Result<uint64_t> Size(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    ASSIGN_OR_RETURN(auto head, Head(key));
    return head.first;
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    const std::string full_prefix = o_.prefix.empty() ? std::string(prefix) : o_.prefix + "/" + std::string(prefix);
    const std::string strip = o_.prefix.empty() ? "" : o_.prefix + "/";
    const std::string uri = "s3://" + o_.bucket + "/" + full_prefix;
    std::vector<ObjectInfo> out;
    std::string token;
    while (true) {
      // Query parameters in sorted order, encoded as SigV4 canonicalises them.
      std::string url = bucket_url_ + "?";
      if (!token.empty()) url += "continuation-token=" + S3UriEncode(token, false) + "&";
      url += "list-type=2";
      if (!full_prefix.empty()) url += "&prefix=" + S3UriEncode(full_prefix, false);
      HttpRequest req = NewRequest("GET", url, kEmptySha256);
      S3ListPage page;
      ASSIGN_OR_RETURN(HttpResponse resp, Execute("LIST", uri, req, [&](const HttpResponse& r) {
                         auto parsed = ParseListObjectsV2(r.body);
                         if (!parsed.ok()) return Verdict::Retry(parsed.status().WithContext("LIST " + uri));
                         page = std::move(parsed).value();
                         return Verdict::Ok();
                       }));
      for (ObjectInfo& info : page.objects) {
        if (info.key.compare(0, full_prefix.size(), full_prefix) != 0) {
          return Status::Corruption("LIST " + uri + ": the server returned key '" + info.key +
                                    "' outside the asked prefix");
        }
        info.key.erase(0, strip.size());
        out.push_back(std::move(info));
      }
      if (!page.truncated) break;
      if (page.next_continuation_token == token) {
        return Status::Corruption("LIST " + uri + ": the server repeated continuation token '" + token + "'");
      }
      token = page.next_continuation_token;
    }
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    HttpRequest req = NewRequest("DELETE", ObjectUrl(key), kEmptySha256);
    Result<HttpResponse> resp = Execute("DELETE", Uri(key), req, nullptr);
    if (!resp.ok() &&
        (!resp.status().IsNotFound() || resp.status().message().find("NoSuchBucket") != std::string::npos)) {
      return resp.status();
    }
    return Status::OK();
  }

  Result<std::vector<IncompleteUpload>> ListIncompleteUploads(std::string_view prefix) override {
    const std::string full_prefix = FullKey(prefix);
    const std::string strip = o_.prefix.empty() ? "" : o_.prefix + "/";
    const std::string uri = "s3://" + o_.bucket + "/" + full_prefix;
    std::vector<IncompleteUpload> out;
    std::string key_marker, id_marker;
    while (true) {
      // Query parameters in sorted order, encoded as SigV4 canonicalises them.
      std::string url = bucket_url_ + "?";
      if (!key_marker.empty()) url += "key-marker=" + S3UriEncode(key_marker, false) + "&";
      if (!full_prefix.empty()) url += "prefix=" + S3UriEncode(full_prefix, false) + "&";
      if (!id_marker.empty()) url += "upload-id-marker=" + S3UriEncode(id_marker, false) + "&";
      url += "uploads=";
      HttpRequest req = NewRequest("GET", url, kEmptySha256);
      S3UploadsPage page;
      ASSIGN_OR_RETURN(HttpResponse resp, Execute("LIST UPLOADS", uri, req, [&](const HttpResponse& r) {
                         auto parsed = ParseListMultipartUploads(r.body);
                         if (!parsed.ok()) return Verdict::Retry(parsed.status().WithContext("LIST UPLOADS " + uri));
                         page = std::move(parsed).value();
                         return Verdict::Ok();
                       }));
      for (S3UploadInfo& u : page.uploads) {
        if (u.key.compare(0, full_prefix.size(), full_prefix) != 0) {
          return Status::Corruption("LIST UPLOADS " + uri + ": the server returned key '" + u.key +
                                    "' outside the asked prefix");
        }
        out.push_back({u.key.substr(strip.size()), std::move(u.upload_id), u.initiated_unix_s});
      }
      if (!page.truncated) break;
      if (page.next_key_marker == key_marker && page.next_upload_id_marker == id_marker) {
        return Status::Corruption("LIST UPLOADS " + uri + ": the server repeated marker '" + key_marker + "'");
      }
      key_marker = page.next_key_marker;
      id_marker = page.next_upload_id_marker;
    }
    std::sort(out.begin(), out.end(), [](const IncompleteUpload& a, const IncompleteUpload& b) {
      return std::tie(a.key, a.upload_id) < std::tie(b.key, b.upload_id);
    });
    return out;
  }

  Status AbortIncompleteUpload(const IncompleteUpload& upload) override {
    RETURN_IF_ERROR(CheckObjectKey(upload.key));
    return AbortUpload(upload.key, upload.upload_id);
  }

  // Size and unquoted ETag from a HEAD.
  Result<std::pair<uint64_t, std::string>> Head(std::string_view key) {
    const std::string uri = Uri(key);
    HttpRequest req = NewRequest("HEAD", ObjectUrl(key), kEmptySha256);
    std::pair<uint64_t, std::string> out;
    ASSIGN_OR_RETURN(HttpResponse resp, Execute("HEAD", uri, req, [&](const HttpResponse& r) {
                       if (!ParseU64(r.Header("content-length"), &out.first)) {
                         return Verdict::Retry(Status::Corruption("HEAD " + uri + ": bad Content-Length '" +
                                                                  r.Header("content-length") + "'"));
                       }
                       out.second = std::string(UnquoteEtag(r.Header("etag")));
                       return Verdict::Ok();
                     }));
    return out;
  }

  // One ranged GET of [offset, offset + n) into `scratch`, which must be the whole range.
  Status ReadRange(std::string_view key, const std::string& etag, uint64_t offset, size_t n, uint64_t object_size,
                   char* scratch) {
    if (offset == 0 && n == 1 && object_size > 1) {
      // "bytes=0-0" is valid, but some servers (s3rver) read an end of 0 as "to the end" and
      // send the whole object; ask for two bytes instead.
      char two[2];
      RETURN_IF_ERROR(ReadRange(key, etag, 0, 2, object_size, two));
      scratch[0] = two[0];
      return Status::OK();
    }
    const std::string uri = Uri(key);
    HttpRequest req = NewRequest("GET", ObjectUrl(key), kEmptySha256);
    const uint64_t last = offset + n - 1;
    req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    if (!etag.empty()) req.headers.push_back("If-Match: \"" + etag + "\"");
    req.out = scratch;
    req.out_capacity = n;
    const std::string what = "GET " + uri + " bytes " + std::to_string(offset) + "-" + std::to_string(last);
    auto check = [&](const HttpResponse& r) {
      if (r.status == 200) {
        if (offset != 0 || n != object_size || r.out_size != n) {
          return Verdict::Fail(Status::IOError(what + ": the server ignored the Range header"));
        }
        return Verdict::Ok();
      }
      const std::string want =
          "bytes " + std::to_string(offset) + "-" + std::to_string(last) + "/" + std::to_string(object_size);
      const std::string got = r.Header("content-range");
      if (got != want) {
        return Verdict::Retry(Status::Corruption(what + ": Content-Range is '" + got + "', want '" + want + "'"));
      }
      if (r.out_size != n) {
        return Verdict::Retry(Status::Corruption(what + ": received " + std::to_string(r.out_size) + " bytes, want " +
                                                 std::to_string(n)));
      }
      return Verdict::Ok();
    };
    Result<HttpResponse> resp = Execute("GET", uri, req, check, what);
    return resp.status();
  }

  Status CreateBucket() {
    HttpRequest req = NewRequest("PUT", bucket_url_, kEmptySha256);
    Result<HttpResponse> resp = Execute("CREATE BUCKET", "s3://" + o_.bucket, req, nullptr);
    if (!resp.ok() && resp.status().message().find("BucketAlreadyOwnedByYou") == std::string::npos) {
      return resp.status();
    }
    return Status::OK();
  }

 private:
  std::string FullKey(std::string_view key) const {
    return o_.prefix.empty() ? std::string(key) : o_.prefix + "/" + std::string(key);
  }
  std::string ObjectUrl(std::string_view key) const { return bucket_url_ + "/" + S3UriEncode(FullKey(key), true); }

  HttpRequest NewRequest(std::string method, std::string url, std::string_view payload_sha256) const {
    HttpRequest req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.headers.push_back("x-amz-content-sha256: " + std::string(payload_sha256));
    if (!o_.credentials.session_token.empty()) {
      req.headers.push_back("x-amz-security-token: " + o_.credentials.session_token);
    }
    return req;
  }

  static Verdict VerifyWholeBody(const std::string& uri, const HttpResponse& r) {
    uint64_t length = 0;
    if (ParseU64(r.Header("content-length"), &length) && length != r.body.size()) {
      return Verdict::Retry(Status::Corruption("GET " + uri + ": received " + std::to_string(r.body.size()) +
                                               " bytes, Content-Length says " + std::to_string(length)));
    }
    const std::string want_sha = r.Header("x-amz-meta-sha256");
    if (!want_sha.empty()) {
      const std::string got = Sha256Hex(r.body);
      if (got != want_sha) {
        return Verdict::Retry(Status::Corruption("GET " + uri + ": SHA-256 of the received bytes is " + got +
                                                 ", the object was stored with " + want_sha));
      }
      return Verdict::Ok();
    }
    const std::string etag(UnquoteEtag(r.Header("etag")));
    if (IsPlainMd5Etag(etag)) {
      const std::string got = HexLower(Md5(r.body));
      if (got != etag) {
        return Verdict::Retry(
            Status::Corruption("GET " + uri + ": MD5 of the received bytes is " + got + ", the ETag is " + etag));
      }
    }
    return Verdict::Ok();
  }

  // Sends `req` until it succeeds, fails for good, or the retry policy gives up. `check` judges a
  // 2xx response (nullptr: any 2xx is fine).
  Result<HttpResponse> Execute(std::string_view op, const std::string& uri, const HttpRequest& req,
                               const Checker& check, std::string what = "") {
    if (what.empty()) what = std::string(op) + " " + uri;
    const Clock::time_point start = Clock::now();
    for (int attempt = 1;; ++attempt) {
      HttpResponse r = http_.Perform(req);
      Status st;
      bool retry = false;
      if (r.overflow) {
        st = Status::Corruption(what + ": the server sent more bytes than asked");
        retry = true;
      } else if (r.transport != TransportError::kNone) {
        st = Status::IOError(what + ": " + r.transport_message);
        retry = IsRetryable(r.transport, 0, "");
      } else if (r.ok()) {
        Verdict v = check ? check(r) : Verdict::Ok();
        if (v.status.ok()) return r;
        st = v.status;
        retry = v.retry;
      } else {
        std::optional<S3Error> err = ParseS3Error(r.body);
        std::string msg = what + ": HTTP " + std::to_string(r.status);
        if (err) msg += " " + err->code + ": " + err->message;
        st = r.status == 404 ? Status::NotFound(msg) : Status::IOError(msg);
        retry = IsRetryable(TransportError::kNone, r.status, err ? err->code : "");
      }
      if (!retry) return st;
      const int64_t elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      const int delay = BackoffDelayMs(policy_, attempt, RandomU64());
      if (!ShouldRetryAgain(policy_, attempt, elapsed, delay)) {
        return Status(st.code(), st.message() + " (gave up after " + std::to_string(attempt) + " attempts, " +
                                     std::to_string(elapsed) + " ms)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
  }

  Status PutSingle(std::string_view key, std::string_view data, const std::string& sha256_hex,
                   const std::vector<std::string>& extra_headers = {}) {
    const std::string uri = Uri(key);
    const Md5Digest md5 = Md5(data);
    const std::string md5_hex = HexLower(md5);
    ASSIGN_OR_RETURN(const Sha256Digest sha, ParseDigestHex(sha256_hex));
    const std::string sha_b64 = Base64(sha);
    HttpRequest req = NewRequest("PUT", ObjectUrl(key), sha256_hex);
    req.headers.push_back("Content-MD5: " + Base64(md5));
    req.headers.push_back("x-amz-checksum-sha256: " + sha_b64);
    req.headers.push_back("x-amz-meta-sha256: " + sha256_hex);
    req.headers.insert(req.headers.end(), extra_headers.begin(), extra_headers.end());
    req.body = data;
    Status st;
    for (int round = 1;; ++round) {
      bool unconfirmed = false;
      auto check = [&](const HttpResponse& r) {
        const std::string checksum = r.Header("x-amz-checksum-sha256");
        switch (Confirm(checksum, UnquoteEtag(r.Header("etag")), sha_b64, {md5_hex})) {
          case Confirmation::kConfirmed: return Verdict::Ok();
          case Confirmation::kMismatch:
            return Verdict::Retry(Status::Corruption("PUT " + uri + ": the server's x-amz-checksum-sha256 '" +
                                                     checksum + "' is not the SHA-256 of the bytes sent (" + sha_b64 +
                                                     ")"));
          case Confirmation::kUnconfirmed: break;
        }
        unconfirmed = true;
        return Verdict::Ok();
      };
      st = Execute("PUT", uri, req, check).status();
      if (!st.ok() || !unconfirmed) break;
      st = VerifyByReadBack(key, data.size(), sha256_hex, "PUT " + uri);
      if (!st.IsCorruption() || round >= std::max(1, o_.max_attempts)) break;
    }
    // A server that stored bytes we did not send (S3 itself rejects them by checksum; some
    // compatible servers don't): no object beats a wrong one.
    if (st.IsCorruption()) Delete(key).IgnoreError();
    return st;
  }

  // Reads the stored object back in ranges and compares its size and SHA-256 with what was sent:
  // the proof of a put whose answer did not confirm the bytes. Corruption when they differ.
  Status VerifyByReadBack(std::string_view key, uint64_t size, const std::string& sha256_hex, const std::string& what) {
    ASSIGN_OR_RETURN(auto head, Head(key));
    if (head.first != size) {
      return Status::Corruption(what + ": the stored object has " + std::to_string(head.first) + " bytes, " +
                                std::to_string(size) + " were sent");
    }
    Sha256 hasher;
    std::string buf(static_cast<size_t>(std::min<uint64_t>(std::max<uint64_t>(o_.part_size, 1), size)), '\0');
    for (uint64_t off = 0; off < size; off += buf.size()) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - off));
      RETURN_IF_ERROR(ReadRange(key, head.second, off, n, size, buf.data()));
      hasher.Update(std::string_view(buf.data(), n));
    }
    const std::string got = HexLower(hasher.Finish());
    if (got != sha256_hex) {
      return Status::Corruption(what + ": read back, the stored object's SHA-256 is " + got + ", the bytes sent had " +
                                sha256_hex + " (the server's answer did not confirm them: no checksum, an ETag that " +
                                "is not their MD5)");
    }
    return Status::OK();
  }

  Status AbortUpload(std::string_view key, const std::string& upload_id) {
    HttpRequest abort =
        NewRequest("DELETE", ObjectUrl(key) + "?uploadId=" + S3UriEncode(upload_id, false), kEmptySha256);
    Status st = Execute("ABORT MULTIPART", Uri(key) + " (upload " + upload_id + ")", abort, nullptr).status();
    return st.IsNotFound() ? Status::OK() : st;  // NoSuchUpload: completed or aborted already
  }

  using PartReader = std::function<Result<std::string_view>(uint64_t offset, size_t n, std::string* buf)>;

  Status PutMultipart(std::string_view key, uint64_t size, const std::string& sha256_hex, const PartReader& read,
                      const std::string& source_path, const std::vector<std::string>& extra_headers = {}) {
    // An object completed with wrong bytes (caught by the read-back, and deleted) is uploaded once more.
    for (int round = 1;; ++round) {
      bool stored_wrong = false;
      Status st = PutMultipartOnce(key, size, sha256_hex, read, source_path, extra_headers, &stored_wrong);
      if (!stored_wrong || round >= 2) return st;
    }
  }

  Status PutMultipartOnce(std::string_view key, uint64_t size, const std::string& sha256_hex, const PartReader& read,
                          const std::string& source_path, const std::vector<std::string>& extra_headers,
                          bool* stored_wrong) {
    const std::string uri = Uri(key);
    uint64_t part_size = o_.part_size;
    while ((size + part_size - 1) / part_size > static_cast<uint64_t>(kS3MaxParts)) part_size *= 2;

    HttpRequest init = NewRequest("POST", ObjectUrl(key) + "?uploads=", kEmptySha256);
    init.headers.push_back("x-amz-meta-sha256: " + sha256_hex);
    // Every part then carries its SHA-256, which S3 checks, and the completed object a composite
    // checksum of them.
    init.headers.push_back("x-amz-checksum-algorithm: SHA256");
    init.headers.insert(init.headers.end(), extra_headers.begin(), extra_headers.end());
    std::string upload_id;
    // An initiate whose answer is lost leaves an upload we cannot name; ListIncompleteUploads
    // finds it (the tier's cleanup on open aborts it).
    RETURN_IF_ERROR(Execute("INITIATE MULTIPART", uri, init, [&](const HttpResponse& r) {
                      auto id = ParseInitiateMultipartUpload(r.body);
                      if (!id.ok()) return Verdict::Fail(id.status().WithContext("POST " + uri));
                      upload_id = *id;
                      return Verdict::Ok();
                    }).status());

    Status st =
        UploadPartsAndComplete(key, uri, upload_id, size, part_size, sha256_hex, read, source_path, stored_wrong);
    if (!st.ok()) {
      // Nothing of a failed upload becomes visible; abort it so the parts don't linger either.
      // (After a completed upload this finds nothing to abort, which is fine.)
      Status aborted = AbortUpload(key, upload_id);
      if (!aborted.ok()) {
        return Status(st.code(), st.message() + "; aborting upload " + upload_id + " failed too (" + aborted.message() +
                                     "): its parts stay stored until a writable open's cleanup aborts it");
      }
    }
    return st;
  }

  Status UploadPartsAndComplete(std::string_view key, const std::string& uri, const std::string& upload_id,
                                uint64_t size, uint64_t part_size, const std::string& sha256_hex,
                                const PartReader& read, const std::string& source_path, bool* stored_wrong) {
    const std::string enc_id = S3UriEncode(upload_id, false);
    std::vector<Md5Digest> md5s;
    std::vector<Sha256Digest> shas;
    std::vector<S3CompletedPart> parts;
    Sha256 whole, part_hasher;
    Md5Hasher whole_md5;
    std::string buf;
    int number = 0;
    for (uint64_t offset = 0; offset < size; offset += part_size) {
      ++number;
      ASSIGN_OR_RETURN(std::string_view data,
                       read(offset, static_cast<size_t>(std::min(part_size, size - offset)), &buf));
      whole.Update(data);
      whole_md5.Update(data);
      const Md5Digest md5 = Md5(data);
      const std::string md5_hex = HexLower(md5);
      const Sha256Digest sha = part_hasher.Digest(data);
      const std::string sha_b64 = Base64(sha);
      HttpRequest req = NewRequest(
          "PUT", ObjectUrl(key) + "?partNumber=" + std::to_string(number) + "&uploadId=" + enc_id, HexLower(sha));
      req.headers.push_back("Content-MD5: " + Base64(md5));
      req.headers.push_back("x-amz-checksum-sha256: " + sha_b64);
      req.body = data;
      const std::string what = "PUT " + uri + " part " + std::to_string(number);
      std::string etag;
      RETURN_IF_ERROR(Execute(
                          "PUT", uri, req,
                          [&](const HttpResponse& r) {
                            etag = std::string(UnquoteEtag(r.Header("etag")));
                            if (etag.empty()) return Verdict::Retry(Status::IOError(what + ": the answer has no ETag"));
                            const std::string checksum = r.Header("x-amz-checksum-sha256");
                            // Unconfirmed is fine here: Complete's answer confirms the parts with
                            // the whole object (its ETag or checksum is computed from them), or
                            // the object is read back.
                            if (Confirm(checksum, etag, sha_b64, {md5_hex}) == Confirmation::kMismatch) {
                              return Verdict::Retry(
                                  Status::Corruption(what + ": the server's x-amz-checksum-sha256 '" + checksum +
                                                     "' is not the SHA-256 of the bytes sent (" + sha_b64 + ")"));
                            }
                            return Verdict::Ok();
                          },
                          what)
                          .status());
      md5s.push_back(md5);
      shas.push_back(sha);
      parts.push_back({number, etag, sha_b64});
    }
    if (HexLower(whole.Finish()) != sha256_hex) {
      return Status::IOError(source_path + ": file changed while being stored to " + uri);
    }

    const std::string body = BuildCompleteMultipartUpload(parts);
    // S3 gives a multipart object the ETag MD5(part MD5s)-N; some compatible servers (s3rver)
    // give the MD5 of the whole object. Either proves the server assembled exactly our bytes, as
    // does the composite SHA-256 checksum S3 returns for an upload begun with one.
    const std::vector<std::string> md5_etags = {MultipartEtag(md5s), HexLower(whole_md5.Finish())};
    const std::string want_checksum = CompositeSha256Checksum(shas);
    HttpRequest req = NewRequest("POST", ObjectUrl(key) + "?uploadId=" + enc_id, Sha256Hex(body));
    req.body = body;
    S3CompleteResult completed;
    Result<HttpResponse> done = Execute("COMPLETE MULTIPART", uri, req, [&](const HttpResponse& r) {
      auto parsed = ParseCompleteMultipartUpload(r.body);
      if (!parsed.ok()) {
        // S3 may answer 200 with an <Error> body; retry the ones it says are transient.
        std::optional<S3Error> err = ParseS3Error(r.body);
        const bool retry = err && IsRetryable(TransportError::kNone, 200, err->code);
        return Verdict{parsed.status().WithContext("POST " + uri), retry};
      }
      completed = *parsed;
      return Verdict::Ok();
    });
    Confirmation confirmation = Confirmation::kUnconfirmed;
    if (done.ok()) {
      confirmation = Confirm(completed.checksum_sha256, completed.etag, want_checksum, md5_etags);
      // A checksum of another form than the composite one (a server's own way) is not a proof
      // either way: the read-back decides.
      if (confirmation == Confirmation::kMismatch) confirmation = Confirmation::kUnconfirmed;
    } else {
      // A retried Complete can find the upload already completed by an attempt whose answer was
      // lost: then the object is there, with our bytes.
      auto head = Head(key);
      if (!head.ok() || head->first != size) return done.status();
      confirmation = Confirm("", head->second, want_checksum, md5_etags);
      if (confirmation != Confirmation::kConfirmed && !VerifyByReadBack(key, size, sha256_hex, "").ok()) {
        return done.status();
      }
      return Status::OK();
    }
    Status st;
    if (confirmation == Confirmation::kUnconfirmed) {
      st = VerifyByReadBack(key, size, sha256_hex, "COMPLETE MULTIPART " + uri);
    }
    if (st.IsCorruption()) {
      Delete(key).IgnoreError();  // the stored object is not what we sent; don't leave it
      *stored_wrong = true;
    }
    return st;
  }

  const S3Options o_;
  HttpClient http_;
  RetryPolicy policy_;
  std::string bucket_url_;
};

class S3RandomAccessFile final : public RandomAccessFile {
 public:
  S3RandomAccessFile(S3ObjectStore* store, std::string key, uint64_t size, std::string etag)
      : store_(store), key_(std::move(key)), size_(size), etag_(std::move(etag)), uri_(store->Uri(key_)) {}

  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset >= size_ || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    RETURN_IF_ERROR(store_->ReadRange(key_, etag_, offset, n, size_, scratch));
    return n;
  }
  Result<uint64_t> Size() const override { return size_; }
  const std::string& path() const override { return uri_; }

 private:
  S3ObjectStore* store_;
  const std::string key_;
  const uint64_t size_;
  const std::string etag_;
  const std::string uri_;
};

Result<std::unique_ptr<RandomAccessFile>> S3ObjectStore::OpenRead(std::string_view key) {
  RETURN_IF_ERROR(CheckObjectKey(key));
  ASSIGN_OR_RETURN(auto head, Head(key));
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<S3RandomAccessFile>(this, std::string(key), head.first, std::move(head.second)));
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(S3Options options) {
  ASSIGN_OR_RETURN(S3Options resolved, ResolveS3Options(std::move(options)));
  return std::unique_ptr<ObjectStore>(std::make_unique<S3ObjectStore>(std::move(resolved)));
}

Status CreateS3Bucket(S3Options options) {
  ASSIGN_OR_RETURN(S3Options resolved, ResolveS3Options(std::move(options)));
  S3ObjectStore store(std::move(resolved));
  return store.CreateBucket();
}

}  // namespace strata
