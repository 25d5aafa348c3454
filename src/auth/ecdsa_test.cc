#include "auth/ecdsa.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "auth/auth_file.h"

namespace strata::auth {
namespace {

// A key pair made by Node's crypto.generateKeyPairSync('ec', {namedCurve: 'P-256'}), and Node's
// signature (crypto.sign('RSA-SHA256', ...), what @questdb/nodejs-client sends) of kMessage.
constexpr const char* kX = "4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqerM";
constexpr const char* kY = "O07J5r4BIWyPPRKvVtDtKCLgYuN9Ui7ZZxiMGOW0CMI";
constexpr const char* kOtherX = "G1-v-bJDAQdyiVQaviSdlLI7F0s17MeOXbKZ3mLcY40";
constexpr const char* kOtherY = "t_L6hh4FsoGWKTpBTU8YpJKKSipwgHJk8gUuo0APAcU";
constexpr const char* kMessage = "abcXYZ0123456789";
constexpr const char* kNodeSignature =
    "MEQCIFaHt5NIq1vhptRUkunrvJprf1Z2qwg3IfoZWEPhQxqrAiAWugIEgJ+zatw5LCpFGRrMZjDVba0th7awI2VJPsdmgA==";

std::string Decoded(std::string_view b64) {
  std::string out;
  EXPECT_TRUE(Base64DecodeAny(b64, &out)) << b64;
  return out;
}

TEST(EcdsaTest, VerifiesNodesSignatureAndRefusesEverythingElse) {
  auto key = EcPublicKey::FromJwk(kX, kY);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::string sig = Decoded(kNodeSignature);
  EXPECT_TRUE(key->Verify(kMessage, sig));
  EXPECT_FALSE(key->Verify("abcXYZ0123456780", sig));  // another message
  std::string flipped = sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(key->Verify(kMessage, flipped));
  EXPECT_FALSE(key->Verify(kMessage, ""));
  EXPECT_FALSE(key->Verify(kMessage, std::string(64, '\0')));
  EXPECT_FALSE(key->Verify(kMessage, sig.substr(0, sig.size() - 1)));
  auto other = EcPublicKey::FromJwk(kOtherX, kOtherY);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_FALSE(other->Verify(kMessage, sig));  // the wrong key
  EXPECT_FALSE(EcPublicKey().Verify(kMessage, sig));
}

// A key made and a signature made by OpenSSL here, as raw r||s and as DER.
TEST(EcdsaTest, VerifiesOpenSslSignaturesDerAndRaw) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(pkey, nullptr);
  unsigned char point[65];
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len), 1);
  ASSERT_EQ(len, 65u);
  auto b64url = [](const unsigned char* p, size_t n) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; ++i) {
      acc = (acc << 8) | p[i];
      bits += 8;
      while (bits >= 6) out.push_back(a[(acc >> (bits -= 6)) & 63]);
    }
    if (bits > 0) out.push_back(a[(acc << (6 - bits)) & 63]);
    return out;
  };
  auto key = EcPublicKey::FromJwk(b64url(point + 1, 32), b64url(point + 33, 32));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::string challenge(512, 'q');
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, pkey), 1);
  unsigned char der[80];
  size_t der_len = sizeof der;
  ASSERT_EQ(
      EVP_DigestSign(md, der, &der_len, reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size()), 1);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  const std::string sig(reinterpret_cast<char*>(der), der_len);
  EXPECT_TRUE(key->Verify(challenge, sig));
  EXPECT_FALSE(key->Verify(challenge + "x", sig));
  // The same signature as raw r||s (each a 32-byte big-endian number).
  const unsigned char* p = der;
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  ASSERT_NE(parsed, nullptr);
  unsigned char raw[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(parsed), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(parsed), raw + 32, 32);
  ECDSA_SIG_free(parsed);
  EXPECT_TRUE(key->Verify(challenge, std::string(reinterpret_cast<char*>(raw), 64)));
}

TEST(EcdsaTest, RefusesKeysThatAreNotP256Points) {
  EXPECT_FALSE(EcPublicKey::FromJwk(kX, kOtherY).ok());                 // not on the curve
  EXPECT_FALSE(EcPublicKey::FromJwk(kX, "").ok());                      // empty
  EXPECT_FALSE(EcPublicKey::FromJwk("abc", kY).ok());                   // too short
  EXPECT_FALSE(EcPublicKey::FromJwk(std::string(kX) + "AA", kY).ok());  // too long
  EXPECT_FALSE(EcPublicKey::FromJwk("4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqe*M", kY).ok());
  auto e = EcPublicKey::FromJwk(kX, kOtherY);
  EXPECT_NE(e.status().message().find("not a point of the P-256 curve"), std::string::npos) << e.status().message();
}

TEST(EcdsaTest, Base64EitherAlphabetPaddingOptional) {
  std::string out;
  EXPECT_TRUE(Base64DecodeAny("-_-_", &out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
  EXPECT_TRUE(Base64DecodeAny("+/+/", &out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
  EXPECT_TRUE(Base64DecodeAny("YQ==", &out));
  EXPECT_EQ(out, "a");
  EXPECT_TRUE(Base64DecodeAny("YQ", &out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(Base64DecodeAny("Y", &out));
  EXPECT_FALSE(Base64DecodeAny("Y Q", &out));
}

TEST(AuthFileKeysTest, KeyLinesBesideTokenLines) {
  const std::string text = std::string("feed write s3cr3t-token\n") + "feed write ec-p-256-sha256 " + kX + " " + kY +
                           "\n" + "viewer read ec-p-256-sha256 " + kOtherX + " " + kOtherY + "\n";
  auto f = AuthFile::Parse(text, "f");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->size(), 1u);
  EXPECT_EQ(f->key_count(), 2u);
  auto k = f->LookupKey("feed");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->role, Role::kWrite);
  EXPECT_TRUE(k->key.Verify(kMessage, Decoded(kNodeSignature)));
  EXPECT_EQ(f->LookupKey("viewer")->role, Role::kRead);
  EXPECT_FALSE(f->LookupKey("nobody"));
  EXPECT_FALSE(f->Lookup("viewer"));  // a key is not a password
  // A file of keys only is a valid file.
  EXPECT_TRUE(AuthFile::Parse(std::string("k write ec-p-256-sha256 ") + kX + " " + kY + "\n", "f").ok());
}

TEST(AuthFileKeysTest, BadKeyLinesNameTheLine) {
  struct Case {
    std::string text;
    const char* expect;
  } cases[] = {
      {std::string("k write ec-p-384 ") + kX + " " + kY + "\n", "f line 1: unknown key type 'ec-p-384'"},
      {std::string("k write ec-p-256-sha256 ") + kX + " " + kOtherY + "\n",
       "f line 1: key k: the key (x, y) is not a point of the P-256 curve"},
      {std::string("k write ec-p-256-sha256 xx ") + kY + "\n", "f line 1: key k: the key's x is not base64url"},
      {std::string("k write ec-p-256-sha256 ") + kX + " " + kY + "\nk admin ec-p-256-sha256 " + kX + " " + kY + "\n",
       "f line 2: key k appears twice"},
      {std::string("k writer ec-p-256-sha256 ") + kX + " " + kY + "\n", "f line 1: unknown role 'writer'"},
      {"k write a b c d\n", "f line 1: expected NAME ROLE SECRET, or NAME ROLE ec-p-256-sha256 X Y"},
  };
  for (const Case& c : cases) {
    auto f = AuthFile::Parse(c.text, "f");
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos) << f.status().message();
  }
}

}  // namespace
}  // namespace strata::auth
