#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "testutil/testutil.h"

namespace strata::crypto {
namespace STRATA_UNITY_ID {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string Key(char fill) { return std::string(32, fill); }

// GCM specification (McGrew & Viega), test case 16: AES-256, 60-byte plaintext, 20-byte AAD.
TEST(AesGcmTest, KnownAnswer) {
  const std::string key = Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string pt = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
      "ba637b39");
  const std::string aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string iv = Unhex("cafebabefacedbaddecaf888");
  const std::string ct = Unhex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0a"
      "bcc9f662");
  const std::string tag = Unhex("76fc6ece0f4e1768cddf8853bb2d551b");
  ASSERT_OK_AND_ASSIGN(auto gcm, AesGcm::Create(key));
  std::string sealed;
  ASSERT_OK(gcm->SealWithNonce(iv, pt, aad, &sealed));
  EXPECT_EQ(sealed, iv + ct + tag);
  std::string back;
  ASSERT_OK(gcm->Open(sealed, aad, &back));
  EXPECT_EQ(back, pt);
}

TEST(AesGcmTest, RoundTripAppendsAndUsesFreshNonces) {
  ASSERT_OK_AND_ASSIGN(auto gcm, AesGcm::Create(Key(1)));
  std::set<std::string> nonces;
  for (size_t size : {0, 1, 15, 16, 17, 4096, 1 << 20}) {
    std::string pt(size, '\0');
    for (size_t i = 0; i < size; ++i) pt[i] = static_cast<char>(i * 31 + 7);
    std::string sealed = "prefix";
    ASSERT_OK(gcm->Seal(pt, "aad", &sealed));
    ASSERT_EQ(sealed.size(), 6 + size + kGcmOverhead);
    EXPECT_EQ(sealed.substr(0, 6), "prefix");
    nonces.insert(sealed.substr(6, kGcmNonceBytes));
    if (size >= 16) {
      EXPECT_EQ(sealed.find(pt.substr(0, 16)), std::string::npos) << "plaintext visible";
    }
    std::string back = "x";
    ASSERT_OK(gcm->Open(std::string_view(sealed).substr(6), "aad", &back));
    EXPECT_EQ(back, "x" + pt);
  }
  EXPECT_EQ(nonces.size(), 7u);  // a nonce is never reused
  // Two seals of the same message differ.
  std::string a, b;
  ASSERT_OK(gcm->Seal("same", "", &a));
  ASSERT_OK(gcm->Seal("same", "", &b));
  EXPECT_NE(a, b);
}

TEST(AesGcmTest, EveryTamperedByteIsDetected) {
  ASSERT_OK_AND_ASSIGN(auto gcm, AesGcm::Create(Key(2)));
  std::string sealed;
  ASSERT_OK(gcm->Seal("a page of trades, compressed", "module-aad", &sealed));
  for (size_t i = 0; i < sealed.size(); ++i) {  // nonce, ciphertext and tag bytes alike
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    std::string out = "kept";
    Status st = gcm->Open(bad, "module-aad", &out);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << "byte " << i;
    EXPECT_EQ(out, "kept") << "no unauthenticated plaintext comes out";
  }
  std::string out;
  EXPECT_EQ(gcm->Open(sealed.substr(0, sealed.size() - 1), "module-aad", &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(gcm->Open(sealed.substr(0, 27), "module-aad", &out).code(), StatusCode::kCorruption);  // short
  EXPECT_EQ(gcm->Open(sealed + "x", "module-aad", &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
  ASSERT_OK(gcm->Open(sealed, "module-aad", &out));  // the context survives failures
  EXPECT_EQ(out, "a page of trades, compressed");
}

TEST(AesGcmTest, WrongKeyOrAadFails) {
  std::string sealed;
  ASSERT_OK(AesGcmSeal(Key(3), "secret", "file-1/page-0", &sealed));
  std::string out;
  Status wrong_key = AesGcmOpen(Key(4), sealed, "file-1/page-0", &out);
  EXPECT_EQ(wrong_key.code(), StatusCode::kCorruption);
  EXPECT_NE(wrong_key.message().find("authentication failed"), std::string::npos) << wrong_key.ToString();
  EXPECT_EQ(AesGcmOpen(Key(3), sealed, "file-1/page-1", &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(AesGcmOpen(Key(3), sealed, "", &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
  ASSERT_OK(AesGcmOpen(Key(3), sealed, "file-1/page-0", &out));
  EXPECT_EQ(out, "secret");
}

TEST(AesGcmTest, KeySizes) {
  for (size_t n : {16, 24, 32}) {
    std::string sealed, out;
    ASSERT_OK(AesGcmSeal(std::string(n, 'k'), "x", "", &sealed));
    ASSERT_OK(AesGcmOpen(std::string(n, 'k'), sealed, "", &out));
    EXPECT_EQ(out, "x");
  }
  EXPECT_EQ(AesGcm::Create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AesGcm::Create("").status().code(), StatusCode::kInvalidArgument);
  // A 128-bit key does not open what a 256-bit key whose first 16 bytes match sealed.
  std::string sealed, out;
  ASSERT_OK(AesGcmSeal(std::string(32, 'k'), "x", "", &sealed));
  EXPECT_FALSE(AesGcmOpen(std::string(16, 'k'), sealed, "", &out).ok());
}

TEST(AesGcmTest, RandomBytes) {
  ASSERT_OK_AND_ASSIGN(std::string a, RandomBytes(16));
  ASSERT_OK_AND_ASSIGN(std::string b, RandomBytes(16));
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::crypto
