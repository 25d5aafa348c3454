// One local S3-compatible server (s3rver, through LocalS3Server) for a whole test suite, and per
// test a fresh bucket with the standard AWS environment variables pointing at the server, as a
// user's shell would set them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "objstore/s3_object_store.h"
#include "s3_fake_server.h"
#include "testutil/testutil.h"

namespace strata::testing {

class SuiteS3Server {
 public:
  // From SetUpTestSuite.
  void Start() {
    dir_ = std::make_unique<TempDir>();
    server_ = std::make_unique<LocalS3Server>();
    error_ = server_->Start(dir_->path() + "/s3");
  }
  // From TearDownTestSuite.
  void Stop() {
    server_.reset();
    dir_.reset();
  }
  // From SetUp: fails the test when the server did not start; otherwise sets AWS_* for it and
  // creates the bucket "<prefix><n>", a new one for every test, named in *bucket.
  void NewBucket(const std::string& prefix, std::string* bucket) {
    ASSERT_NE(server_, nullptr) << "SuiteS3Server::Start was not called";
    ASSERT_EQ(error_, "") << "cannot start the local S3 server (run tools/interop/setup.sh)";
    ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    ::setenv("AWS_ENDPOINT_URL_S3", server_->endpoint().c_str(), 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    *bucket = prefix + std::to_string(++buckets_);
    S3Options o;
    o.endpoint = server_->endpoint();
    o.bucket = *bucket;
    o.credentials = {"S3RVER", "S3RVER", ""};
    ASSERT_OK(CreateS3Bucket(o));
  }
  LocalS3Server* server() { return server_.get(); }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<LocalS3Server> server_;
  std::string error_;
  int buckets_ = 0;
};

}  // namespace strata::testing
