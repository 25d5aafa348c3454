// Where encryption keys come from. A KeyProvider maps a key id (a short public name the catalog
// and the files record) to a 256-bit key (which nothing records). Key rotation is a new id: new
// files use current_key_id(), old files name the id they were written with and stay readable as
// long as the provider still holds it. A KMS slots in as another KeyProvider.
//
// Two implementations:
//  - KeyFileProvider: a text file, one key a line, "KEY_ID HEX" (64 hex digits); blank lines and
//    lines starting with '#' are skipped; the last key is the current one (append to rotate).
//    The file must not be readable by group or others (mode 0600 or stricter).
//  - EnvKeyProvider: an environment variable (default STRATA_ENCRYPTION_KEY) holding
//    "KEY_ID:HEX[,KEY_ID:HEX...]", the last one current; a bare "HEX" is key id "default".
// StaticKeyProvider holds keys given in code (tests, embedding applications).
//
// Key ids are 1-64 characters of [A-Za-z0-9._-]. Errors name the id and the source, never a key.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::crypto {

inline constexpr size_t kKeyBytes = 32;  // AES-256

// Key bytes that are wiped (OPENSSL_cleanse) when the object dies.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(std::string bytes) : bytes_(std::move(bytes)) {}
  SecretKey(const SecretKey& o) : bytes_(o.bytes_) {}
  SecretKey& operator=(const SecretKey& o);
  SecretKey(SecretKey&& o) noexcept;
  SecretKey& operator=(SecretKey&& o) noexcept;
  ~SecretKey();

  std::string_view view() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  bool operator==(const SecretKey& o) const = default;

 private:
  void Wipe();
  std::string bytes_;
};

// InvalidArgument unless `id` is 1-64 characters of [A-Za-z0-9._-].
Status ValidateKeyId(std::string_view id);
// 64 hex digits (either case) -> 32 key bytes; InvalidArgument (without echoing the text) otherwise.
Result<SecretKey> ParseKeyHex(std::string_view hex);

class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  // The key called `key_id`; NotFound naming the id and the source when there is none.
  virtual Result<SecretKey> GetKey(std::string_view key_id) const = 0;
  // The id new data is encrypted with.
  virtual const std::string& current_key_id() const = 0;
  // Where the keys come from, for messages: "key file /etc/strata/keys".
  virtual std::string Describe() const = 0;
};

// Keys held in memory, in the order added; the last is current.
class StaticKeyProvider : public KeyProvider {
 public:
  explicit StaticKeyProvider(std::string description = "keys given in code") : description_(std::move(description)) {}
  Status Add(std::string key_id, SecretKey key);
  Result<SecretKey> GetKey(std::string_view key_id) const override;
  const std::string& current_key_id() const override { return current_; }
  std::string Describe() const override { return description_; }
  size_t size() const { return keys_.size(); }

 private:
  std::string description_;
  std::map<std::string, SecretKey, std::less<>> keys_;
  std::string current_;
};

// Reads the key file at `path` (through the OS: key files live outside any database). Errors:
// NotFound if the file is missing, InvalidArgument naming the line for a malformed one or a
// repeated id, and for a file readable by group or others, or holding no key.
Result<std::unique_ptr<KeyProvider>> KeyFileProvider(const std::string& path);
// Parses key-file text; `source` names it in messages.
Result<std::unique_ptr<KeyProvider>> ParseKeyFile(std::string_view text, const std::string& source);

inline constexpr char kDefaultKeyEnv[] = "STRATA_ENCRYPTION_KEY";
// The keys in environment variable `var`; NotFound if it is unset or empty.
Result<std::unique_ptr<KeyProvider>> EnvKeyProvider(const std::string& var = kDefaultKeyEnv);
// Parses an environment value; `source` names it in messages.
Result<std::unique_ptr<KeyProvider>> ParseKeyList(std::string_view value, const std::string& source);

}  // namespace strata::crypto
