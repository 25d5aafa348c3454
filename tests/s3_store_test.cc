// End-to-end tests of the S3 object store against a real S3-compatible server (s3rver from npm,
// started on 127.0.0.1 by tools/s3/server.sh), plus fault injection through an in-test HTTP proxy
// (500s, throttling, dropped connections, flipped bytes, a server killed mid-upload) and a check
// of libcurl's SigV4 signatures against an independent computation.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "objstore/object_store.h"
#include "objstore/s3_object_store.h"
#include "s3_fake_server.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::FakeHttpServer;
using testing::ForwardHttp;
using testing::HttpMessage;
using testing::LocalS3Server;

std::string Pattern(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x);
  }
  return s;
}

class S3StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    server_ = new LocalS3Server();
    start_error_ = server_->Start(dir_->path() + "/s3");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    // No silent skip: without s3rver this fails and says how to install it.
    ASSERT_EQ(start_error_, "") << "cannot start the local S3 server";
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    bucket_ = "t" + std::to_string(++counter_) + "-" + name.substr(0, 40);
    ASSERT_OK(CreateS3Bucket(Options()));
  }

  S3Options Options(const std::string& endpoint = "") const {
    S3Options o;
    o.endpoint = endpoint.empty() ? server_->endpoint() : endpoint;
    o.bucket = bucket_;
    o.credentials = {"S3RVER", "S3RVER", ""};
    o.retry_base_delay_ms = 1;
    o.retry_max_delay_ms = 20;
    o.connect_timeout_ms = 2000;
    return o;
  }
  std::unique_ptr<ObjectStore> Store(S3Options o) {
    auto store = NewS3ObjectStore(std::move(o));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline LocalS3Server* server_ = nullptr;
  static inline std::string start_error_;
  static inline int counter_ = 0;
  std::string bucket_;
};

TEST_F(S3StoreTest, PutGetSizeRangedReadListDelete) {
  auto store = Store(Options());
  const std::string key = "trades/year=2026/month=03/symbol=AAPL/part-000001.parquet";
  const std::string data = Pattern(100000, 1);
  ASSERT_OK(store->Put(key, data));
  EXPECT_EQ(store->Uri(key), "s3://" + bucket_ + "/" + key);

  ASSERT_OK_AND_ASSIGN(std::string back, store->Get(key));
  EXPECT_TRUE(back == data);
  ASSERT_OK_AND_ASSIGN(uint64_t size, store->Size(key));
  EXPECT_EQ(size, data.size());

  // Footer first, then a chunk in the middle, then reads that run past the end.
  ASSERT_OK_AND_ASSIGN(auto file, store->OpenRead(key));
  EXPECT_EQ(store->MapRead(key).status().code(), StatusCode::kUnsupported) << "remote objects are not mapped";
  EXPECT_EQ(file->path(), store->Uri(key));
  ASSERT_OK_AND_ASSIGN(uint64_t fsize, file->Size());
  EXPECT_EQ(fsize, data.size());
  std::string buf(4096, '\0');
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(data.size() - 8, 8, buf.data()));
  EXPECT_EQ(std::string_view(buf.data(), n), std::string_view(data).substr(data.size() - 8));
  ASSERT_OK_AND_ASSIGN(n, file->Read(12345, 4096, buf.data()));
  EXPECT_EQ(std::string_view(buf.data(), n), std::string_view(data).substr(12345, 4096));
  ASSERT_OK_AND_ASSIGN(n, file->Read(data.size() - 10, 4096, buf.data()));
  EXPECT_EQ(n, 10u);
  EXPECT_EQ(std::string_view(buf.data(), n), std::string_view(data).substr(data.size() - 10));
  ASSERT_OK_AND_ASSIGN(n, file->Read(data.size(), 10, buf.data()));
  EXPECT_EQ(n, 0u);
  ASSERT_OK_AND_ASSIGN(n, file->Read(0, 1, buf.data()));
  EXPECT_EQ(buf[0], data[0]);

  // Keys with characters that need percent-encoding survive the round trip.
  const std::string odd = "odd/a b+c=d&e%f~g.h_i-j(k)'!*@$,;:.parquet";
  ASSERT_OK(store->Put(odd, "odd"));
  ASSERT_OK_AND_ASSIGN(std::string odd_back, store->Get(odd));
  EXPECT_EQ(odd_back, "odd");
  ASSERT_OK(store->Put("trades2/x", "other prefix"));
  ASSERT_OK(store->Put("empty", ""));
  ASSERT_OK_AND_ASSIGN(std::string empty, store->Get("empty"));
  EXPECT_EQ(empty, "");

  ASSERT_OK_AND_ASSIGN(auto listed, store->List("trades/"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, key);
  EXPECT_EQ(listed[0].size, data.size());
  ASSERT_OK_AND_ASSIGN(auto all, store->List(""));
  std::vector<std::string> keys;
  for (const auto& o : all) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"empty", odd, key, "trades2/x"}));

  ASSERT_OK(store->Delete(key));
  ASSERT_OK(store->Delete(key));  // already gone: OK
  Status st = store->Get(key).status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("s3://" + bucket_ + "/" + key), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("404"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("NoSuchKey"), std::string::npos) << st.message();
  EXPECT_TRUE(store->Size(key).status().IsNotFound());
  EXPECT_TRUE(store->OpenRead(key).status().IsNotFound());
  EXPECT_EQ(store->Put("../x", "x").code(), StatusCode::kInvalidArgument);
}

TEST_F(S3StoreTest, ListPaginatesPastAThousandKeysUnderAStorePrefix) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenObjectStore("s3://" + bucket_ + "/cold/v1/", nullptr, Options()));
  auto outside = Store(Options());
  constexpr int kKeys = 1234;
  std::vector<std::string> want;
  for (int i = 0; i < kKeys; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "t/symbol=S%03d/part-%05d.parquet", i % 37, i);
    want.push_back(name);
    ASSERT_OK(store->Put(name, std::to_string(i)));
  }
  ASSERT_OK(outside->Put("cold/v10/not-mine", "x"));
  ASSERT_OK(outside->Put("cold/other", "x"));
  ASSERT_OK(store->Put("u/zzz", "y"));
  std::sort(want.begin(), want.end());

  ASSERT_OK_AND_ASSIGN(auto listed, store->List("t/"));
  ASSERT_EQ(listed.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(listed[i].key, want[i]) << i;
  }
  ASSERT_OK_AND_ASSIGN(auto all, store->List(""));
  EXPECT_EQ(all.size(), want.size() + 1);
  EXPECT_EQ(all.back().key, "u/zzz");
  ASSERT_OK_AND_ASSIGN(auto one_symbol, store->List("t/symbol=S005/"));
  EXPECT_EQ(one_symbol.size(), static_cast<size_t>((kKeys - 5 + 36) / 37));
  EXPECT_EQ(store->Uri("t/a"), "s3://" + bucket_ + "/cold/v1/t/a");
}

TEST_F(S3StoreTest, MultipartUploadAboveTheThreshold) {
  S3Options o = Options();
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  auto store = Store(o);
  const std::string data = Pattern((12 << 20) + 12345, 7);  // 3 parts
  const std::string src = dir_->path() + "/" + bucket_ + ".bin";
  testing::WriteTextFile(src, data);

  ASSERT_OK(store->PutFile("big/file.parquet", DefaultFileSystem(), src));
  ASSERT_OK_AND_ASSIGN(std::string back, store->Get("big/file.parquet"));
  EXPECT_TRUE(back == data);
  ASSERT_OK_AND_ASSIGN(auto file, store->OpenRead("big/file.parquet"));
  std::string buf(100, '\0');
  const uint64_t across = (5 << 20) - 50;  // spans the boundary of parts 1 and 2
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(across, 100, buf.data()));
  EXPECT_EQ(std::string_view(buf.data(), n), std::string_view(data).substr(across, 100));

  // Put of an in-memory buffer above the threshold goes in parts too; below it, in one PUT.
  ASSERT_OK(store->Put("big/mem", std::string_view(data).substr(0, 11 << 20)));
  ASSERT_OK_AND_ASSIGN(uint64_t size, store->Size("big/mem"));
  EXPECT_EQ(size, 11u << 20);
  ASSERT_OK(store->PutFile("small/file", DefaultFileSystem(), src + ".none").code() == StatusCode::kNotFound
                ? Status::OK()
                : Status::Internal("a missing source file must be NotFound"));
  ASSERT_OK_AND_ASSIGN(auto listed, store->List(""));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key, "big/file.parquet");
  EXPECT_EQ(listed[0].size, data.size());
}

// The tier reads column chunks from several threads: one store, shared, pooled connections.
TEST_F(S3StoreTest, ThreadsShareOneStore) {
  auto store = Store(Options());
  const std::string data = Pattern(1 << 20, 9);
  ASSERT_OK(store->Put("shared", data));
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto file = store->OpenRead("shared");
      if (!file.ok()) {
        ++bad;
        return;
      }
      std::string buf(8192, '\0');
      for (int i = 0; i < 40; ++i) {
        const uint64_t off =
            (static_cast<uint64_t>(t) * 7919 + static_cast<uint64_t>(i) * 104729) % (data.size() - 8192);
        auto n = (*file)->Read(off, 8192, buf.data());
        if (!n.ok() || *n != 8192 || std::string_view(buf) != std::string_view(data).substr(off, 8192)) ++bad;
      }
      if (!store->Put("t" + std::to_string(t), std::to_string(t)).ok()) ++bad;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, 0);
  ASSERT_OK_AND_ASSIGN(auto listed, store->List("t"));
  EXPECT_EQ(listed.size(), 4u);
}

// A proxy in front of s3rver whose behaviour each test scripts.
class FaultProxy {
 public:
  using Hook = std::function<std::optional<std::optional<std::string>>(const HttpMessage&, int n)>;
  explicit FaultProxy(int upstream)
      : upstream_(upstream), server_([this](const HttpMessage& req) { return Handle(req); }) {}

  std::string endpoint() const { return server_.endpoint(); }
  int count() const { return count_; }
  // Returns a response (or nullopt inside: drop the connection) instead of forwarding; an empty
  // outer optional forwards.
  Hook hook_;
  std::function<void(HttpMessage*, int)> mutate_request_;
  std::function<void(const HttpMessage&, HttpMessage*, int)> mutate_response_;

 private:
  std::optional<std::string> Handle(const HttpMessage& req) {
    const int n = ++count_;
    if (std::getenv("S3_TEST_DEBUG")) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
              .count();
      std::fprintf(stderr, "[proxy %lld ms] #%d %s\n", static_cast<long long>(ms % 1000000), n, req.start_line.c_str());
    }
    if (hook_) {
      auto decided = hook_(req, n);
      if (decided) return *decided;
    }
    HttpMessage fwd = req;
    if (mutate_request_) mutate_request_(&fwd, n);
    auto resp = ForwardHttp(upstream_, fwd);
    if (!resp) return std::nullopt;
    if (mutate_response_) mutate_response_(req, &*resp, n);
    return resp->Serialize();
  }

  int upstream_;
  std::atomic<int> count_{0};
  FakeHttpServer server_;
};

// Object Lock: s3rver ignores the retention headers (it has no object lock), so the proxy records
// what the store sent: the mode and retain-until date on the single PUT and on the initiation of a
// multipart upload (where S3 takes them for the completed object), and none on a plain PutFile.
TEST_F(S3StoreTest, PutFileLockedSendsObjectLockRetentionHeaders) {
  FaultProxy proxy(server_->port());
  std::mutex mu;
  std::vector<HttpMessage> seen;
  proxy.hook_ = [&](const HttpMessage& req, int) -> std::optional<std::optional<std::string>> {
    std::lock_guard lock(mu);
    seen.push_back(req);
    return std::nullopt;  // forward
  };
  S3Options o = Options(proxy.endpoint());
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  auto store = Store(o);
  const std::string small = dir_->path() + "/" + bucket_ + "-small.bin";
  const std::string big = dir_->path() + "/" + bucket_ + "-big.bin";
  testing::WriteTextFile(small, Pattern(1000, 1));
  testing::WriteTextFile(big, Pattern((7 << 20) + 5, 2));  // two parts

  const ObjectLock lock{"compliance", 1893456000};  // 2030-01-01T00:00:00Z
  EXPECT_EQ(lock.RetainUntilIso8601(), "2030-01-01T00:00:00.000Z");
  ASSERT_OK(store->PutFileLocked("a/small", DefaultFileSystem(), small, lock));
  ASSERT_OK(store->PutFileLocked("a/big", DefaultFileSystem(), big, ObjectLock{"governance", 1893456001}));
  ASSERT_OK(store->PutFile("a/plain", DefaultFileSystem(), small));
  EXPECT_EQ(store->PutFileLocked("a/x", DefaultFileSystem(), small, ObjectLock{"legal", 1}).code(),
            StatusCode::kInvalidArgument);

  int small_puts = 0, big_inits = 0, plain_puts = 0;
  for (const HttpMessage& req : seen) {
    const std::string target = req.start_line.substr(0, req.start_line.rfind(' '));
    if (target == "PUT /" + bucket_ + "/a/small") {
      ++small_puts;
      EXPECT_EQ(req.Header("x-amz-object-lock-mode"), "COMPLIANCE");
      EXPECT_EQ(req.Header("x-amz-object-lock-retain-until-date"), "2030-01-01T00:00:00.000Z");
      EXPECT_NE(req.Header("Content-MD5"), "");  // S3 requires it (or a checksum) with a lock
    } else if (target == "POST /" + bucket_ + "/a/big?uploads=") {
      ++big_inits;
      EXPECT_EQ(req.Header("x-amz-object-lock-mode"), "GOVERNANCE");
      EXPECT_EQ(req.Header("x-amz-object-lock-retain-until-date"), "2030-01-01T00:00:01.000Z");
    } else if (target == "PUT /" + bucket_ + "/a/plain") {
      ++plain_puts;
      EXPECT_EQ(req.Header("x-amz-object-lock-mode"), "");
    }
  }
  EXPECT_EQ(small_puts, 1);
  EXPECT_EQ(big_inits, 1);
  EXPECT_EQ(plain_puts, 1);
  ASSERT_OK_AND_ASSIGN(std::string back, store->Get("a/big"));
  EXPECT_EQ(back.size(), (7u << 20) + 5);
}

TEST_F(S3StoreTest, RetriesServerErrorsThrottlingAndDroppedConnections) {
  FaultProxy proxy(server_->port());
  proxy.hook_ = [](const HttpMessage&, int n) -> std::optional<std::optional<std::string>> {
    if (n == 1) return testing::S3ErrorResponse(500, "InternalError", "We encountered an internal error.");
    if (n == 2) return testing::S3ErrorResponse(503, "SlowDown", "Please reduce your request rate.");
    if (n == 3) return std::optional<std::string>();  // hang up without answering
    if (n == 4) return testing::S3ErrorResponse(429, "TooManyRequests", "slow down");
    return std::nullopt;
  };
  auto store = Store(Options(proxy.endpoint()));
  ASSERT_OK(store->Put("a/b", "retried"));
  EXPECT_EQ(proxy.count(), 5);
  ASSERT_OK_AND_ASSIGN(std::string back, store->Get("a/b"));
  EXPECT_EQ(back, "retried");

  // Bounded: with 3 attempts, three 503s in a row fail, and the error says who, what and why.
  S3Options o = Options(proxy.endpoint());
  o.max_attempts = 3;
  auto bounded = Store(o);
  const int before = proxy.count();
  proxy.hook_ = [](const HttpMessage&, int) -> std::optional<std::optional<std::string>> {
    return testing::S3ErrorResponse(503, "SlowDown", "Please reduce your request rate.");
  };
  Status st = bounded->Put("a/c", "never");
  EXPECT_EQ(proxy.count() - before, 3);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  for (const char* part : {"s3://", "/a/c", "HTTP 503", "SlowDown", "Please reduce your request rate", "3 attempts"}) {
    EXPECT_NE(st.message().find(part), std::string::npos) << part << " not in: " << st.message();
  }

  // Total time is bounded too: a budget of 0 ms allows no retry at all.
  o.max_attempts = 100;
  o.retry_budget_ms = 0;
  auto no_budget = Store(o);
  const int before2 = proxy.count();
  EXPECT_FALSE(no_budget->Put("a/d", "never").ok());
  EXPECT_EQ(proxy.count() - before2, 1);
}

TEST_F(S3StoreTest, DoesNotRetryClientErrors) {
  FaultProxy proxy(server_->port());
  proxy.hook_ = [](const HttpMessage&, int) -> std::optional<std::optional<std::string>> {
    return testing::S3ErrorResponse(403, "AccessDenied", "Access Denied");
  };
  auto store = Store(Options(proxy.endpoint()));
  Status st = store->Put("x", "y");
  EXPECT_EQ(proxy.count(), 1);
  EXPECT_NE(st.message().find("HTTP 403 AccessDenied: Access Denied"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("s3://" + bucket_ + "/x"), std::string::npos) << st.message();
}

TEST_F(S3StoreTest, ConnectionRefusedIsRetriedThenReported) {
  FakeHttpServer closed([](const HttpMessage&) { return std::optional<std::string>(); });
  const std::string dead = "http://127.0.0.1:" + std::to_string(closed.port());
  S3Options o = Options(dead);
  o.max_attempts = 3;
  auto store = Store(o);
  Status st = store->Put("x", "y");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(closed.requests(), 3);
  EXPECT_NE(st.message().find("3 attempts"), std::string::npos) << st.message();
}

TEST_F(S3StoreTest, CorruptedDownloadIsDetectedAndRetried) {
  auto direct = Store(Options());
  const std::string data = Pattern(50000, 3);
  ASSERT_OK(direct->Put("obj", data));

  FaultProxy proxy(server_->port());
  std::atomic<int> flips{0};
  int flip_first = 2;
  proxy.mutate_response_ = [&](const HttpMessage& req, HttpMessage* resp, int) {
    if (req.method() == "GET" && resp->status() < 300 && !resp->body.empty() && flips < flip_first) {
      resp->body[resp->body.size() / 2] ^= 0x20;
      ++flips;
    }
  };
  auto store = Store(Options(proxy.endpoint()));
  ASSERT_OK_AND_ASSIGN(std::string back, store->Get("obj"));  // two bad copies, then a good one
  EXPECT_TRUE(back == data);
  EXPECT_EQ(flips, 2);

  flips = 0;
  flip_first = 1000;  // always corrupt: the Get fails as Corruption, never returns bad bytes
  Result<std::string> bad = store->Get("obj");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption()) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("SHA-256"), std::string::npos) << bad.status().message();

  // A short body (the connection cut mid-transfer) is retried, not returned.
  proxy.mutate_response_ = [&](const HttpMessage& req, HttpMessage* resp, int n) {
    if (req.method() == "GET" && n % 2 == 1) resp->body.resize(resp->body.size() / 2);
  };
  ASSERT_OK_AND_ASSIGN(back, store->Get("obj"));
  EXPECT_TRUE(back == data);
}

TEST_F(S3StoreTest, CorruptedUploadIsDetectedAndNeverLeftBehind) {
  FaultProxy proxy(server_->port());
  std::atomic<int> corrupt_puts{1};
  proxy.mutate_request_ = [&](HttpMessage* req, int) {
    if (req->method() == "PUT" && !req->body.empty() && corrupt_puts > 0) {
      req->body[0] ^= 1;  // damaged on the way: the server stores (or rejects) other bytes
      --corrupt_puts;
    }
  };
  auto store = Store(Options(proxy.endpoint()));
  const std::string data = Pattern(30000, 4);
  ASSERT_OK(store->Put("k", data));  // first copy damaged, second good
  ASSERT_OK_AND_ASSIGN(std::string back, Store(Options())->Get("k"));
  EXPECT_TRUE(back == data);

  corrupt_puts = 1000;
  Status st = store->Put("k2", data);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("s3://" + bucket_ + "/k2"), std::string::npos) << st.message();
  EXPECT_TRUE(Store(Options())->Get("k2").status().IsNotFound()) << "a damaged upload was left visible";
}

// An ETag that is not the MD5 of the body (SSE-KMS, SSE-C) proves nothing either way: the object
// is read back and accepted when its bytes are ours. A server that returns the checksum we sent
// (x-amz-checksum-sha256) needs no read-back; one that returns another checksum stored other bytes.
TEST_F(S3StoreTest, PutIsConfirmedByTheServersChecksumOrReadBackNotByTheEtagAlone) {
  FaultProxy proxy(server_->port());
  std::atomic<int> gets{0};
  enum Echo { kNoChecksum, kOurs, kWrong };
  std::atomic<int> echo{kNoChecksum};  // what checksum the answers carry
  proxy.mutate_response_ = [&](const HttpMessage& req, HttpMessage* resp, int) {
    if (req.method() == "GET") ++gets;
    if (req.method() != "PUT") return;
    resp->SetHeader("ETag", "\"3f1d0a1b9e2c4d5e6f708192a3b4c5d6\"");  // not an MD5 of the body
    if (echo == kOurs) {
      resp->SetHeader("x-amz-checksum-sha256", req.Header("x-amz-checksum-sha256"));
    } else if (echo == kWrong) {
      resp->SetHeader("x-amz-checksum-sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    }
  };
  S3Options o = Options(proxy.endpoint());
  o.max_attempts = 2;
  auto store = Store(o);
  const std::string data = Pattern(30000, 5);

  ASSERT_OK(store->Put("kms", data));  // before: Corruption ("the server's ETag is not the MD5")
  EXPECT_GE(gets, 1) << "an unconfirmed put must be read back";
  ASSERT_OK_AND_ASSIGN(std::string back, Store(Options())->Get("kms"));
  EXPECT_TRUE(back == data);

  echo = kOurs;
  gets = 0;
  ASSERT_OK(store->Put("confirmed", data));
  EXPECT_EQ(gets, 0) << "a put the server's checksum confirms needs no read-back";

  echo = kWrong;
  Status st = store->Put("wrong", data);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("x-amz-checksum-sha256"), std::string::npos) << st.message();
  EXPECT_TRUE(Store(Options())->Get("wrong").status().IsNotFound()) << "an unconfirmed object was left";
}

// A multipart upload to a server whose part and object ETags are not MD5s (SSE-KMS): Complete
// names the parts by the ETags the server gave, and the object is read back.
TEST_F(S3StoreTest, MultipartUploadWithNonMd5EtagsIsReadBackAndCompletedWithTheServersEtags) {
  FaultProxy proxy(server_->port());
  std::atomic<int> gets{0};
  std::mutex mu;
  std::string complete_body;  // guarded by mu
  proxy.mutate_request_ = [&](HttpMessage* req, int) {
    if (req->method() == "POST" && req->target().find("uploadId=") != std::string::npos) {
      std::lock_guard lock(mu);
      complete_body = req->body;
      // s3rver ignores the part ETags in Complete; check they are the ones the proxy handed out.
      for (int part = 1; part <= 3; ++part) {
        const std::string fake = "\"kms-part-" + std::to_string(part) + "\"";
        if (req->body.find(fake) == std::string::npos) complete_body += " MISSING " + fake;
      }
    }
  };
  proxy.mutate_response_ = [&](const HttpMessage& req, HttpMessage* resp, int) {
    if (req.method() == "GET") ++gets;
    if (req.method() == "PUT" && req.target().find("partNumber=") != std::string::npos) {
      const size_t at = req.target().find("partNumber=") + 11;
      resp->SetHeader("ETag", "\"kms-part-" + req.target().substr(at, req.target().find('&', at) - at) + "\"");
    }
    if (req.method() == "POST" && req.target().find("uploadId=") != std::string::npos) {
      const size_t a = resp->body.find("<ETag>"), b = resp->body.find("</ETag>");
      if (a != std::string::npos && b != std::string::npos) {
        resp->body.replace(a + 6, b - a - 6, "&quot;0123456789abcdef0123456789abcdef-3&quot;");
        resp->SetHeader("Content-Length", std::to_string(resp->body.size()));
      }
    }
  };
  S3Options o = Options(proxy.endpoint());
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  const std::string data = Pattern((12 << 20) + 99, 12);  // 3 parts
  const std::string src = dir_->path() + "/" + bucket_ + ".bin";
  testing::WriteTextFile(src, data);
  ASSERT_OK(Store(o)->PutFile("big", DefaultFileSystem(), src));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(complete_body.find("MISSING"), std::string::npos) << complete_body;
    EXPECT_NE(complete_body.find("<ChecksumSHA256>"), std::string::npos) << complete_body;
  }
  EXPECT_GE(gets, 1) << "an unconfirmed multipart object must be read back";
  ASSERT_OK_AND_ASSIGN(std::string back, Store(Options())->Get("big"));
  EXPECT_TRUE(back == data);
}

// A multipart upload that fails part-way is aborted; one whose client dies (nothing more reaches
// the server, the abort neither) stays incomplete until ListIncompleteUploads finds it and
// AbortIncompleteUpload frees it. Only uploads under the asked prefix are listed.
TEST_F(S3StoreTest, AnUploadThatDiesMidWayLeavesNoIncompleteUploadAfterCleanup) {
  testing::S3UploadsShim shim(server_->port(), server_->dir() + "/data");
  S3Options o = Options(shim.endpoint());
  o.prefix = "db";
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  o.max_attempts = 2;
  const std::string data = Pattern((12 << 20) + 5, 13);  // 3 parts
  const std::string src = dir_->path() + "/" + bucket_ + ".bin";
  testing::WriteTextFile(src, data);
  auto store = Store(o);

  // Part 2 never gets through, the abort does: nothing is left.
  shim.drop = [](const HttpMessage& req) {
    return req.method() == "PUT" && req.target().find("partNumber=2") != std::string::npos;
  };
  Status st = store->PutFile("cold/a", DefaultFileSystem(), src);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(shim.UploadKeys(bucket_), std::vector<std::string>{}) << "a failed upload was not aborted";

  // The client dies at part 2: its abort never arrives either.
  shim.drop = [](const HttpMessage& req) {
    return (req.method() == "PUT" && req.target().find("partNumber=2") != std::string::npos) ||
           req.method() == "DELETE";
  };
  st = store->PutFile("cold/b", DefaultFileSystem(), src);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("aborting upload"), std::string::npos) << st.message();
  st = store->PutFile("models/packs/p", DefaultFileSystem(), src);  // someone else's namespace
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(shim.UploadKeys(bucket_), (std::vector<std::string>{"db/cold/b", "db/models/packs/p"}));
  EXPECT_TRUE(Store(Options())->Get("db/cold/b").status().IsNotFound()) << "an incomplete upload is invisible";

  shim.drop = nullptr;
  ASSERT_OK_AND_ASSIGN(auto uploads, store->ListIncompleteUploads("cold/"));
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].key, "cold/b");
  EXPECT_FALSE(uploads[0].upload_id.empty());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::abs(uploads[0].initiated_unix_s - now), 600) << uploads[0].initiated_unix_s;
  ASSERT_OK(store->AbortIncompleteUpload(uploads[0]));
  ASSERT_OK(store->AbortIncompleteUpload(uploads[0]));  // already gone: OK
  EXPECT_EQ(shim.UploadKeys(bucket_), std::vector<std::string>{"db/models/packs/p"});
  ASSERT_OK_AND_ASSIGN(uploads, store->ListIncompleteUploads("cold/"));
  EXPECT_TRUE(uploads.empty());
  ASSERT_OK_AND_ASSIGN(uploads, store->ListIncompleteUploads(""));
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].key, "models/packs/p");
}

// The server dies in the middle of a multipart upload (SIGKILL while a part is on the wire) and
// comes back on the same data directory. The upload either completes with the right bytes or
// fails cleanly; at no point does a listing show a partial object, and an older version of the
// key stays intact until a complete new one replaces it.
TEST_F(S3StoreTest, ServerKilledMidUploadNeverExposesAHalfWrittenObject) {
  S3Options o = Options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  const std::string data = Pattern((20 << 20) + 7, 11);  // 5 parts
  const std::string src = dir_->path() + "/" + bucket_ + ".bin";
  testing::WriteTextFile(src, data);
  ASSERT_OK(Store(Options())->Put("cold/obj", "old version"));

  for (bool restart : {true, false}) {
    SCOPED_TRACE(restart ? "server restarted" : "server stays down");
    FaultProxy proxy(server_->port());
    std::atomic<bool> killed{false};
    std::vector<std::vector<ObjectInfo>> listings;
    proxy.hook_ = [&](const HttpMessage& req, int) -> std::optional<std::optional<std::string>> {
      if (killed || req.method() != "PUT" || req.target().find("partNumber=3") == std::string::npos) {
        return std::nullopt;
      }
      killed = true;
      // Send half the part, then kill the server while it is receiving it.
      HttpMessage half = req;
      half.body.resize(req.body.size() / 2);
      half.SetHeader("Content-Length", std::to_string(req.body.size()));
      std::thread sender([&] { ForwardHttp(server_->port(), half); });
      server_->Kill();
      sender.join();
      if (restart) {
        EXPECT_EQ(server_->Start(server_->dir(), server_->port()), "");
        auto list = Store(Options())->List("cold/");
        EXPECT_TRUE(list.ok()) << list.status().ToString();
        if (list.ok()) listings.push_back(*list);
      }
      return std::optional<std::string>();  // the client sees the connection drop
    };
    S3Options po = o;
    po.endpoint = proxy.endpoint();
    po.max_attempts = 3;
    Status st = Store(po)->PutFile("cold/obj", DefaultFileSystem(), src);
    EXPECT_TRUE(killed);
    if (!restart) {
      ASSERT_EQ(server_->Start(server_->dir(), server_->port()), "");
    }

    ASSERT_OK_AND_ASSIGN(auto after, Store(Options())->List("cold/"));
    listings.push_back(after);
    ASSERT_OK_AND_ASSIGN(std::string got, Store(Options())->Get("cold/obj"));
    if (st.ok()) {
      EXPECT_TRUE(got == data) << "upload reported OK but the object differs";
    } else {
      EXPECT_EQ(got, restart ? got : "old version") << st.ToString();
      EXPECT_TRUE(got == "old version" || got == data);
    }
    if (restart) {
      EXPECT_TRUE(st.ok()) << "with the server back, the retries should finish the upload: " << st.ToString();
    } else {
      EXPECT_FALSE(st.ok());
      EXPECT_EQ(got, "old version");
    }
    for (const auto& listing : listings) {
      ASSERT_EQ(listing.size(), 1u);
      EXPECT_EQ(listing[0].key, "cold/obj");
      EXPECT_TRUE(listing[0].size == data.size() || listing[0].size == std::string("old version").size())
          << "a listing showed a partial object of " << listing[0].size << " bytes";
    }
    ASSERT_OK(Store(Options())->Put("cold/obj", "old version"));
  }
}

// ---- SigV4: libcurl signs; we check its Authorization header against our own computation.

std::string Hex(const unsigned char* d, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += k[d[i] >> 4];
    s += k[d[i] & 15];
  }
  return s;
}
std::string HexSha256(std::string_view data) {
  unsigned char out[32];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return Hex(out, 32);
}
std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}
std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// AWS Signature Version 4 for S3, written from the spec: canonical request, string to sign,
// signing key. `target` is the request target as sent ("/bucket/key?b=2&a=1").
std::string ExpectedSignature(const std::string& method, const std::string& target,
                              const std::map<std::string, std::string>& lower_headers,
                              const std::vector<std::string>& signed_headers, const std::string& secret,
                              const std::string& amz_date, const std::string& region) {
  const size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  std::vector<std::pair<std::string, std::string>> params;
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        params.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  std::sort(params.begin(), params.end());
  std::string canonical_query;
  for (const auto& [k, v] : params) canonical_query += (canonical_query.empty() ? "" : "&") + k + "=" + v;
  std::string canonical_headers, signed_list;
  for (const std::string& h : signed_headers) {
    canonical_headers += h + ":" + Trim(lower_headers.at(h)) + "\n";
    signed_list += (signed_list.empty() ? "" : ";") + h;
  }
  const std::string canonical_request = method + "\n" + path + "\n" + canonical_query + "\n" + canonical_headers +
                                        "\n" + signed_list + "\n" + lower_headers.at("x-amz-content-sha256");
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + region + "/s3/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + HexSha256(canonical_request);
  const std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + secret, date), region), "s3"), "aws4_request");
  const std::string sig = Hmac(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

TEST(S3SigV4, OurReferenceMatchesAwsPublishedExample) {
  // "GET Object" example from the Amazon S3 SigV4 documentation.
  const std::map<std::string, std::string> headers = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"x-amz-date", "20130524T000000Z"}};
  EXPECT_EQ(ExpectedSignature("GET", "/test.txt", headers, {"host", "range", "x-amz-content-sha256", "x-amz-date"},
                              "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524T000000Z", "us-east-1"),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3SigV4, EveryRequestIsSignedCorrectlyAndCarriesTheRealPayloadHash) {
  // A fake S3 that records requests and answers each kind plausibly.
  const std::string list_xml =
      "<?xml version=\"1.0\"?><ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>pre fix/p/a b</Key>"
      "<Size>3</Size></Contents></ListBucketResult>";
  std::string parts_concat;  // the fake's multipart upload: the parts in order
  FakeHttpServer fake([&](const HttpMessage& req) -> std::optional<std::string> {
    const std::string m = req.method();
    auto md5_hex = [](std::string_view data) {
      unsigned char md5[16];
      unsigned int n = 0;
      EVP_Digest(data.data(), data.size(), md5, &n, EVP_md5(), nullptr);
      return Hex(md5, 16);
    };
    if (m == "POST" && req.target().find("uploads=") != std::string::npos) {
      return testing::HttpResponseText(
          200, "OK", "<InitiateMultipartUploadResult><UploadId>up/1+x</UploadId></InitiateMultipartUploadResult>");
    }
    if (m == "POST") {
      return testing::HttpResponseText(200, "OK",
                                       "<CompleteMultipartUploadResult><ETag>&quot;" + md5_hex(parts_concat) +
                                           "&quot;</ETag></CompleteMultipartUploadResult>");
    }
    if (m == "PUT" && req.target().find("partNumber=") != std::string::npos) parts_concat += req.body;
    if (m == "PUT") {
      unsigned char md5[16];
      unsigned int n = 0;
      EVP_Digest(req.body.data(), req.body.size(), md5, &n, EVP_md5(), nullptr);
      return testing::HttpResponseText(200, "OK", "", {{"ETag", "\"" + Hex(md5, 16) + "\""}});
    }
    if (m == "GET" && req.target().find("list-type=2") != std::string::npos) {
      return testing::HttpResponseText(200, "OK", list_xml);
    }
    if (m == "GET" || m == "HEAD") return testing::HttpResponseText(200, "OK", m == "GET" ? "abc" : "");
    return testing::HttpResponseText(204, "No Content", "");
  });
  S3Options o;
  o.endpoint = fake.endpoint();
  o.bucket = "sig-bucket";
  o.prefix = "pre fix";
  o.region = "eu-central-1";
  o.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token=="};
  o.max_attempts = 1;
  ASSERT_OK_AND_ASSIGN(auto store, NewS3ObjectStore(o));
  ASSERT_OK(store->Put("dir/a b+c.parquet", "hello world"));
  ASSERT_OK(store->Get("x").status());
  ASSERT_OK(store->List("p/").status());
  ASSERT_OK(store->Delete("x"));
  // A body above 1 MiB (libcurl adds "Expect: 100-continue" itself), and a multipart upload:
  // initiate (?uploads=), parts (?partNumber=&uploadId=), complete (?uploadId=).
  ASSERT_OK(store->Put("big", Pattern(3 << 20, 5)));
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  ASSERT_OK_AND_ASSIGN(auto multipart, NewS3ObjectStore(o));
  ASSERT_OK(multipart->Put("mp", Pattern((5 << 20) + 100, 6)));

  const auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 9u);
  for (const HttpMessage& req : seen) {
    SCOPED_TRACE(req.start_line);
    const std::string auth = req.Header("Authorization");
    ASSERT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u) << auth;
    const std::string amz_date = req.Header("X-Amz-Date");
    ASSERT_EQ(amz_date.size(), 16u);
    EXPECT_NE(auth.find("/" + amz_date.substr(0, 8) + "/eu-central-1/s3/aws4_request"), std::string::npos) << auth;
    // The payload hash is the real SHA-256 of the body; never UNSIGNED-PAYLOAD.
    EXPECT_EQ(req.Header("x-amz-content-sha256"), HexSha256(req.body));
    EXPECT_EQ(req.Header("x-amz-security-token"), "session/token==");

    const size_t sh = auth.find("SignedHeaders=");
    const size_t sg = auth.find("Signature=");
    ASSERT_NE(sh, std::string::npos);
    ASSERT_NE(sg, std::string::npos);
    std::string signed_str = auth.substr(sh + 14, auth.find(',', sh) - sh - 14);
    std::vector<std::string> signed_headers;
    for (size_t s = 0; s <= signed_str.size();) {
      size_t semi = signed_str.find(';', s);
      signed_headers.push_back(signed_str.substr(s, semi == std::string::npos ? std::string::npos : semi - s));
      if (semi == std::string::npos) break;
      s = semi + 1;
    }
    for (const char* must : {"host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"}) {
      EXPECT_NE(std::find(signed_headers.begin(), signed_headers.end(), must), signed_headers.end())
          << must << " is not signed: " << auth;
    }
    std::map<std::string, std::string> lower;
    for (const auto& [name, value] : req.headers) {
      std::string n = name;
      std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
      lower[n] = value;
    }
    for (const std::string& h : signed_headers) ASSERT_TRUE(lower.count(h)) << h;
    EXPECT_EQ(auth.substr(sg + 10), ExpectedSignature(req.method(), req.target(), lower, signed_headers,
                                                      o.credentials.secret_access_key, amz_date, o.region));
  }
  EXPECT_EQ(seen[0].target(), "/sig-bucket/pre%20fix/dir/a%20b%2Bc.parquet");
  EXPECT_FALSE(seen[0].Header("Content-MD5").empty());
  EXPECT_EQ(seen[2].target(), "/sig-bucket?list-type=2&prefix=pre%20fix%2Fp%2F");
  EXPECT_EQ(seen[5].target(), "/sig-bucket/pre%20fix/mp?uploads=");
  EXPECT_EQ(seen[6].target(), "/sig-bucket/pre%20fix/mp?partNumber=1&uploadId=up%2F1%2Bx");
  EXPECT_EQ(seen[8].target(), "/sig-bucket/pre%20fix/mp?uploadId=up%2F1%2Bx");
  // A wrong secret gives a different signature: the check above can fail.
  std::map<std::string, std::string> h = {
      {"host", "h"}, {"x-amz-content-sha256", "x"}, {"x-amz-date", "20260101T000000Z"}};
  EXPECT_NE(
      ExpectedSignature("GET", "/", h, {"host", "x-amz-content-sha256", "x-amz-date"}, "a", "20260101T000000Z", "r"),
      ExpectedSignature("GET", "/", h, {"host", "x-amz-content-sha256", "x-amz-date"}, "b", "20260101T000000Z", "r"));
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
