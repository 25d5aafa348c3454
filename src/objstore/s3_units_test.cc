// Unit tests of the S3 object store's pieces that need no server: locations and options,
// XML documents (samples captured from s3rver and from the S3 API reference), the retry policy,
// digests and the multipart ETag, and OpenObjectStore's dispatch.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "objstore/object_store.h"
#include "objstore/s3_checksum.h"
#include "objstore/s3_options.h"
#include "objstore/s3_retry.h"
#include "objstore/s3_xml.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

GetEnvFn FakeEnv(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(S3Uri, ParsesBucketAndPrefix) {
  ASSERT_OK_AND_ASSIGN(S3Location a, ParseS3Uri("s3://my-bucket"));
  EXPECT_EQ(a.bucket, "my-bucket");
  EXPECT_EQ(a.prefix, "");
  ASSERT_OK_AND_ASSIGN(S3Location b, ParseS3Uri("s3://my.bucket-1/cold/prod/"));
  EXPECT_EQ(b.bucket, "my.bucket-1");
  EXPECT_EQ(b.prefix, "cold/prod");
  ASSERT_OK_AND_ASSIGN(S3Location c, ParseS3Uri("s3://abc/"));
  EXPECT_EQ(c.prefix, "");
}

TEST(S3Uri, RejectsMalformedLocationsWithAReason) {
  const std::map<std::string, std::string> bad = {{"http://bucket/x", "want s3://"},
                                                  {"s3://", "no bucket"},
                                                  {"s3:///prefix", "no bucket"},
                                                  {"s3://ab", "bucket name"},
                                                  {"s3://Upper/x", "bucket name"},
                                                  {"s3://under_score", "bucket name"},
                                                  {"s3://-dash", "bucket name"},
                                                  {"s3://a..b", "bucket name"},
                                                  {"s3://bucket/a//b", "component"},
                                                  {"s3://bucket/a/../b", "component"},
                                                  {"s3://bucket/x?versionId=1", "'?'"},
                                                  {"s3://bucket/x#frag", "'?' and '#'"},
                                                  {std::string("s3://") + std::string(64, 'a'), "bucket name"}};
  for (const auto& [uri, why] : bad) {
    auto r = ParseS3Uri(uri);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << uri;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << uri << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(uri.substr(0, 10)), std::string::npos) << r.status().message();
  }
}

TEST(S3Options, FromTheStandardEnvironmentVariables) {
  S3Options o;
  o.bucket = "bkt";
  ASSERT_OK_AND_ASSIGN(S3Options r, ResolveS3Options(o, FakeEnv({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"},
                                                                 {"AWS_DEFAULT_REGION", "eu-west-3"},
                                                                 {"AWS_ACCESS_KEY_ID", "AK"},
                                                                 {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                                 {"AWS_SESSION_TOKEN", "TOK"}})));
  EXPECT_EQ(r.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(r.region, "eu-west-3");
  EXPECT_TRUE(*r.path_style);  // custom endpoint: path style
  EXPECT_EQ(r.credentials.access_key_id, "AK");
  EXPECT_EQ(r.credentials.secret_access_key, "SK");
  EXPECT_EQ(r.credentials.session_token, "TOK");

  // The S3-specific endpoint and AWS_REGION win over the generic ones.
  ASSERT_OK_AND_ASSIGN(S3Options r2, ResolveS3Options(o, FakeEnv({{"AWS_ENDPOINT_URL", "http://generic:1"},
                                                                  {"AWS_ENDPOINT_URL_S3", "https://s3only:2"},
                                                                  {"AWS_REGION", "ap-south-1"},
                                                                  {"AWS_DEFAULT_REGION", "eu-west-3"}})));
  EXPECT_EQ(r2.endpoint, "https://s3only:2");
  EXPECT_EQ(r2.region, "ap-south-1");
  EXPECT_TRUE(r2.credentials.empty());

  // Nothing set: AWS itself, virtual-hosted style, us-east-1.
  ASSERT_OK_AND_ASSIGN(S3Options r3, ResolveS3Options(o, FakeEnv({})));
  EXPECT_EQ(r3.endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(r3.region, "us-east-1");
  EXPECT_FALSE(*r3.path_style);

  // Explicit options beat the environment.
  S3Options explicit_o = o;
  explicit_o.endpoint = "http://mine:3";
  explicit_o.region = "r1";
  explicit_o.path_style = false;
  explicit_o.credentials = {"A", "B", ""};
  ASSERT_OK_AND_ASSIGN(S3Options r4, ResolveS3Options(explicit_o, FakeEnv({{"AWS_ENDPOINT_URL", "http://env:1"},
                                                                           {"AWS_REGION", "r2"},
                                                                           {"AWS_ACCESS_KEY_ID", "X"},
                                                                           {"AWS_SECRET_ACCESS_KEY", "Y"}})));
  EXPECT_EQ(r4.endpoint, "http://mine:3");
  EXPECT_EQ(r4.region, "r1");
  EXPECT_FALSE(*r4.path_style);
  EXPECT_EQ(r4.credentials.access_key_id, "A");
}

TEST(S3Options, RejectsBadValues) {
  S3Options o;
  o.bucket = "bkt";
  auto check = [&](S3Options bad, std::map<std::string, std::string> env, std::string_view why) {
    auto r = ResolveS3Options(bad, FakeEnv(std::move(env)));
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  };
  check(o, {{"AWS_ENDPOINT_URL", "ftp://x"}}, "http:// or https://");
  check(o, {{"AWS_ACCESS_KEY_ID", "only-the-id"}}, "AWS_SECRET_ACCESS_KEY");
  S3Options small = o;
  small.part_size = 1 << 20;
  check(small, {}, "5 MiB");
  S3Options nobucket;
  check(nobucket, {}, "bucket name");
  S3Options up = o;
  up.multipart_threshold = 1;  // raised to the part size, not an error
  ASSERT_OK_AND_ASSIGN(S3Options r, ResolveS3Options(up, FakeEnv({})));
  EXPECT_EQ(r.multipart_threshold, r.part_size);
}

TEST(S3UriEncode, EncodesAsSigV4Wants) {
  EXPECT_EQ(S3UriEncode("a/b c+d=e&f~g_h-i.j", true), "a/b%20c%2Bd%3De%26f~g_h-i.j");
  EXPECT_EQ(S3UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(S3UriEncode("\xc3\xa9", true), "%C3%A9");
}

// A truncated ListObjectsV2 page as s3rver sends it (captured), and the last page.
constexpr std::string_view kTruncatedList =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://doc.s3.amazonaws.com/2006-03-01/"><Name>bkt</Name><Prefix>p/</Prefix><NextContinuationToken>1SZZYIRtlDb/vqogUS5uJJ7wBKYzpS/fiyVxnQEWONw=</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>p/1</Key><LastModified>2026-11-23T11:03:46.000Z</LastModified><ETag>&quot;c4ca4238a0b923820dcc509a6f75849b&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>p/a&amp;b</Key><LastModified>2026-11-23T11:03:46.000Z</LastModified><ETag>&quot;c81e728d9d4c2f636f067f89cc14862c&quot;</ETag><Size>123456789012</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>)";

TEST(S3Xml, ParsesListPagesWithTokens) {
  ASSERT_OK_AND_ASSIGN(S3ListPage page, ParseListObjectsV2(kTruncatedList));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_continuation_token, "1SZZYIRtlDb/vqogUS5uJJ7wBKYzpS/fiyVxnQEWONw=");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "p/1");
  EXPECT_EQ(page.objects[0].size, 1u);
  EXPECT_EQ(page.objects[1].key, "p/a&b");
  EXPECT_EQ(page.objects[1].size, 123456789012u);

  ASSERT_OK_AND_ASSIGN(
      S3ListPage last,
      ParseListObjectsV2(
          "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>"));
  EXPECT_FALSE(last.truncated);
  EXPECT_TRUE(last.objects.empty());
}

TEST(S3Xml, RejectsBrokenListPages) {
  // Truncated but no token: following it would loop or stop early.
  auto r = ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("NextContinuationToken"), std::string::npos);
  r = ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>");
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  r = ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>");
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  r = ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key>");  // cut off mid-document
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("malformed XML"), std::string::npos);
  r = ParseListObjectsV2("<Other/>");
  EXPECT_TRUE(r.status().IsCorruption());
  r = ParseListObjectsV2("");
  EXPECT_FALSE(r.ok());
  // An <Error> document in a 200 is an error with its code.
  r = ParseListObjectsV2(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
  EXPECT_NE(r.status().message().find("InternalError: We encountered an internal error."), std::string::npos);
}

TEST(S3Xml, ParsesErrors) {
  // As s3rver and S3 send them.
  auto e = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not "
      "exist.</Message><Key>nope</Key></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "The specified key does not exist.");
  e = ParseS3Error(
      "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>X</RequestId>"
      "<HostId>Y</HostId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "SlowDown");
  EXPECT_FALSE(ParseS3Error("").has_value());
  EXPECT_FALSE(ParseS3Error("<html>502 Bad Gateway</html>").has_value());
  EXPECT_FALSE(ParseS3Error("<ListBucketResult/>").has_value());
}

TEST(S3Xml, MultipartDocuments) {
  ASSERT_OK_AND_ASSIGN(std::string id, ParseInitiateMultipartUpload(
                                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>"
                                           "<Bucket>bkt</Bucket><Key>mp</Key><UploadId>6463ffee5b52c7e4e95fd3d66f605d79"
                                           "</UploadId></InitiateMultipartUploadResult>"));
  EXPECT_EQ(id, "6463ffee5b52c7e4e95fd3d66f605d79");
  EXPECT_TRUE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").status().IsCorruption());

  ASSERT_OK_AND_ASSIGN(S3CompleteResult done,
                       ParseCompleteMultipartUpload(
                           "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                           "<Location>http://b.s3.amazonaws.com/k</Location><Bucket>b</Bucket><Key>k</Key>"
                           "<ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag></CompleteMultipartUploadResult>"));
  EXPECT_EQ(done.etag, "3858f62230ac3c915f300c664312c11f-9");
  EXPECT_EQ(done.checksum_sha256, "");
  ASSERT_OK_AND_ASSIGN(done, ParseCompleteMultipartUpload("<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
                                                          "<ChecksumSHA256>abc=-2</ChecksumSHA256>"
                                                          "</CompleteMultipartUploadResult>"));
  EXPECT_EQ(done.checksum_sha256, "abc=-2");
  // S3 can answer 200 OK and then report the failure in the body.
  auto failed = ParseCompleteMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an "
      "internal error. Please try again.</Message></Error>");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("InternalError"), std::string::npos);

  EXPECT_EQ(
      BuildCompleteMultipartUpload({{1, "aa"}, {2, "bb"}}),
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
      "<ETag>\"aa\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"bb\"</ETag></Part>"
      "</CompleteMultipartUpload>");
  EXPECT_EQ(
      BuildCompleteMultipartUpload({{1, "aa", "c2hh"}}),
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
      "<ETag>\"aa\"</ETag><ChecksumSHA256>c2hh</ChecksumSHA256></Part></CompleteMultipartUpload>");
}

// The sample of AWS's ListMultipartUploads documentation (abridged), a truncated page, and
// malformed ones.
TEST(S3Xml, ListMultipartUploads) {
  ASSERT_OK_AND_ASSIGN(
      S3UploadsPage page,
      ParseListMultipartUploads(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult "
          "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>bucket</Bucket><KeyMarker></KeyMarker>"
          "<UploadIdMarker></UploadIdMarker><NextKeyMarker>my-movie.m2ts</NextKeyMarker>"
          "<NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>"
          "<MaxUploads>3</MaxUploads><IsTruncated>true</IsTruncated><Upload><Key>my-divisor</Key>"
          "<UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId><StorageClass>STANDARD"
          "</StorageClass><Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload><Upload><Key>my-movie.m2ts"
          "</Key><UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>"
          "<Initiated>2010-11-10T20:48:33Z</Initiated></Upload></ListMultipartUploadsResult>"));
  ASSERT_EQ(page.uploads.size(), 2u);
  EXPECT_EQ(page.uploads[0].key, "my-divisor");
  EXPECT_EQ(page.uploads[0].upload_id, "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw");
  EXPECT_EQ(page.uploads[0].initiated_unix_s, 1289422113);  // date -u -d 2010-11-10T20:48:33Z +%s
  EXPECT_EQ(page.uploads[1].initiated_unix_s, 1289422113);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_key_marker, "my-movie.m2ts");
  EXPECT_EQ(page.next_upload_id_marker, "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ");

  ASSERT_OK_AND_ASSIGN(page, ParseListMultipartUploads("<ListMultipartUploadsResult><IsTruncated>false"
                                                       "</IsTruncated></ListMultipartUploadsResult>"));
  EXPECT_TRUE(page.uploads.empty());
  EXPECT_FALSE(page.truncated);
  EXPECT_TRUE(ParseListMultipartUploads("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                                        "</ListMultipartUploadsResult>")
                  .status()
                  .IsCorruption());
  EXPECT_TRUE(ParseListMultipartUploads("<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>u</UploadId>"
                                        "<Initiated>yesterday</Initiated></Upload></ListMultipartUploadsResult>")
                  .status()
                  .IsCorruption());
  EXPECT_TRUE(ParseListMultipartUploads("<ListBucketResult/>").status().IsCorruption());
  EXPECT_FALSE(ParseListMultipartUploads("<Error><Code>NotImplemented</Code><Message>no</Message></Error>").ok());
  EXPECT_EQ(ParseIso8601Utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Utc("2000-03-01T00:00:00.5Z"), 951868800);
  EXPECT_EQ(ParseIso8601Utc("2000-03-01 00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc("2000-13-01T00:00:00Z"), std::nullopt);
}

TEST(S3Retry, RetriesOnlyWhatAnotherTryCanFix) {
  for (long status : {500L, 502L, 503L, 504L, 429L}) EXPECT_TRUE(IsRetryable(TransportError::kNone, status, ""));
  for (long status : {400L, 401L, 403L, 404L, 409L, 412L, 416L}) {
    EXPECT_FALSE(IsRetryable(TransportError::kNone, status, "")) << status;
  }
  EXPECT_FALSE(IsRetryable(TransportError::kNone, 403, "AccessDenied"));
  EXPECT_FALSE(IsRetryable(TransportError::kNone, 404, "NoSuchKey"));
  EXPECT_FALSE(IsRetryable(TransportError::kNone, 501, "NotImplemented"));  // s3rver: ListMultipartUploads
  EXPECT_TRUE(IsRetryable(TransportError::kNone, 400, "RequestTimeout"));
  EXPECT_TRUE(IsRetryable(TransportError::kNone, 400, "BadDigest"));
  EXPECT_TRUE(IsRetryable(TransportError::kNone, 503, "SlowDown"));
  EXPECT_TRUE(IsRetryable(TransportError::kNone, 200, "InternalError"));  // an <Error> inside a 200
  EXPECT_TRUE(IsRetryable(TransportError::kConnect, 0, ""));
  EXPECT_TRUE(IsRetryable(TransportError::kTimeout, 0, ""));
  EXPECT_TRUE(IsRetryable(TransportError::kBrokenTransfer, 0, ""));
  EXPECT_FALSE(IsRetryable(TransportError::kOther, 0, ""));
}

TEST(S3Retry, BackoffGrowsExponentiallyWithFullJitterAndIsCapped) {
  RetryPolicy p{6, 100, 1000, 5000};
  // The upper bound doubles per retry until the cap.
  EXPECT_EQ(BackoffDelayMs(p, 1, 100), 100);
  EXPECT_EQ(BackoffDelayMs(p, 2, 200), 200);
  EXPECT_EQ(BackoffDelayMs(p, 3, 400), 400);
  EXPECT_EQ(BackoffDelayMs(p, 4, 800), 800);
  EXPECT_EQ(BackoffDelayMs(p, 5, 1000), 1000);
  EXPECT_EQ(BackoffDelayMs(p, 30, 1000), 1000);
  EXPECT_EQ(BackoffDelayMs(p, 1, 0), 0);
  // Full jitter: values spread over [0, bound].
  std::set<int> seen;
  uint64_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const int d = BackoffDelayMs(p, 3, x);
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 400);
    seen.insert(d / 40);
  }
  EXPECT_EQ(seen.size(), 11u);  // every tenth of the range (and the top value) is hit

  // Bounded by attempts and by total time.
  EXPECT_TRUE(ShouldRetryAgain(p, 1, 0, 100));
  EXPECT_TRUE(ShouldRetryAgain(p, 5, 0, 100));
  EXPECT_FALSE(ShouldRetryAgain(p, 6, 0, 100));
  EXPECT_TRUE(ShouldRetryAgain(p, 2, 4899, 100));
  EXPECT_FALSE(ShouldRetryAgain(p, 2, 4900, 100));
  EXPECT_FALSE(ShouldRetryAgain(RetryPolicy{6, 0, 0, 0}, 1, 0, 0));  // no budget: no retry
}

TEST(S3Checksum, DigestsAndEncodings) {
  EXPECT_EQ(HexLower(Md5("hello")), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(Base64(Md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Base64(reinterpret_cast<const uint8_t*>("ab"), 2), "YWI=");
  // HMAC-SHA256, RFC 4231 test case 2.
  EXPECT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Md5Hasher m;
  m.Update("he");
  m.Update("llo");
  EXPECT_EQ(m.Finish(), Md5("hello"));
  EXPECT_EQ(UnquoteEtag("\"abc\""), "abc");
  EXPECT_EQ(UnquoteEtag(" W/\"abc\" "), "abc");
  EXPECT_EQ(UnquoteEtag("abc"), "abc");
}

TEST(S3Checksum, MultipartEtagIsMd5OfPartMd5sAndCount) {
  // Reference values computed independently (Python hashlib):
  //   md5(md5(b"hello").digest() + md5(b"world").digest()).hexdigest() + "-2"
  EXPECT_EQ(MultipartEtag({Md5("hello"), Md5("world")}), "065947336a2f2a95ba8899f3675c3be6-2");
  EXPECT_EQ(MultipartEtag({Md5("hello")}),
            HexLower(Md5(std::string(reinterpret_cast<const char*>(Md5("hello").data()), 16))) + "-1");
  EXPECT_NE(MultipartEtag({Md5("world"), Md5("hello")}), MultipartEtag({Md5("hello"), Md5("world")}));
}

TEST(S3Checksum, CompositeSha256IsSha256OfPartDigestsAndCount) {
  // Python: base64(sha256(sha256(b"hello").digest() + sha256(b"world").digest()).digest()) + "-2"
  Sha256 h;
  const Sha256Digest hello = h.Digest("hello"), world = h.Digest("world");
  EXPECT_EQ(CompositeSha256Checksum({hello, world}), "cwXbmyq8zXBsJW2z2X5f9I1nfP5NOlkEr7faDjlQ4eI=-2");
  EXPECT_EQ(Base64(hello), "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
}

TEST(OpenObjectStore, DispatchesOnTheLocation) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto local, OpenObjectStore(dir.path() + "/cold", DefaultFileSystem()));
  EXPECT_EQ(local->Uri("a/b"), dir.path() + "/cold/a/b");
  ASSERT_OK_AND_ASSIGN(auto file_uri, OpenObjectStore("file://" + dir.path() + "/c2", DefaultFileSystem()));
  EXPECT_EQ(file_uri->Uri("x"), dir.path() + "/c2/x");
  ASSERT_OK(file_uri->Put("x", "1"));

  S3Options defaults;
  defaults.endpoint = "http://127.0.0.1:1";
  defaults.credentials = {"a", "b", ""};
  ASSERT_OK_AND_ASSIGN(auto s3, OpenObjectStore("s3://my-bucket/cold/prod/", nullptr, defaults));
  EXPECT_EQ(s3->Uri("t/part-1.parquet"), "s3://my-bucket/cold/prod/t/part-1.parquet");
  ASSERT_OK_AND_ASSIGN(auto s3_root, OpenObjectStore("s3://my-bucket", nullptr, defaults));
  EXPECT_EQ(s3_root->Uri("t"), "s3://my-bucket/t");
  // Bad keys are refused before any request.
  EXPECT_EQ(s3->Put("../x", "y").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s3->Get("a//b").status().code(), StatusCode::kInvalidArgument);

  for (std::string_view bad : {"", "gs://bucket/x", "s3://", "s3://B/x", "file://host/x", "file://relative"}) {
    auto r = OpenObjectStore(bad, DefaultFileSystem(), defaults);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad << ": " << r.status().ToString();
  }
  auto unsupported = OpenObjectStore("gs://bucket/x", DefaultFileSystem(), defaults);
  EXPECT_NE(unsupported.status().message().find("unsupported scheme 'gs://'"), std::string::npos);
}

}  // namespace
}  // namespace strata
