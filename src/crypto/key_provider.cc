#include "crypto/key_provider.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/sha256.h"

namespace strata::crypto {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Adds key `id` given as `hex` to *p; `where` names the line or entry in messages.
Status AddParsedKey(StaticKeyProvider* p, std::string_view id, std::string_view hex, const std::string& where) {
  RETURN_IF_ERROR(ValidateKeyId(id).WithContext(where));
  auto key = ParseKeyHex(hex);
  if (!key.ok()) return key.status().WithContext(where + " (key " + std::string(id) + ")");
  return p->Add(std::string(id), std::move(key).value()).WithContext(where);
}

}  // namespace

SecretKey& SecretKey::operator=(const SecretKey& o) {
  if (this != &o) {
    Wipe();
    bytes_ = o.bytes_;
  }
  return *this;
}
SecretKey::SecretKey(SecretKey&& o) noexcept : bytes_(o.bytes_) { o.Wipe(); }
SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  if (this != &o) {
    Wipe();
    bytes_ = o.bytes_;
    o.Wipe();
  }
  return *this;
}
SecretKey::~SecretKey() { Wipe(); }
void SecretKey::Wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

Status ValidateKeyId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) {
    ok &=
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  }
  if (!ok) {
    return Status::InvalidArgument("key id " + QuoteForMessage(id, 70) +
                                   " must be 1-64 characters of letters, digits, '.', '_' and '-'");
  }
  return Status::OK();
}

Result<SecretKey> ParseKeyHex(std::string_view hex) {
  if (hex.size() != 2 * kKeyBytes) {
    return Status::InvalidArgument("a key must be 64 hex digits (256 bits), not " + std::to_string(hex.size()) +
                                   " characters");
  }
  auto digest = ParseDigestHex(hex);  // its message would quote the text: not for a key
  if (!digest.ok()) {
    return Status::InvalidArgument("a key must be 64 hex digits (256 bits); a character is not a hex digit");
  }
  SecretKey key(std::string(reinterpret_cast<const char*>(digest->data()), digest->size()));
  OPENSSL_cleanse(digest->data(), digest->size());
  return key;
}

Status StaticKeyProvider::Add(std::string key_id, SecretKey key) {
  RETURN_IF_ERROR(ValidateKeyId(key_id).WithContext(description_));
  if (key.size() != kKeyBytes) {
    return Status::InvalidArgument(description_ + ": key " + key_id + " is " + std::to_string(key.size()) +
                                   " bytes, not 32");
  }
  if (keys_.count(key_id) != 0) return Status::InvalidArgument(description_ + ": key id " + key_id + " given twice");
  current_ = key_id;
  keys_.emplace(std::move(key_id), std::move(key));
  return Status::OK();
}

Result<SecretKey> StaticKeyProvider::GetKey(std::string_view key_id) const {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) {
    return Status::NotFound("encryption key " + QuoteForMessage(key_id, 70) + " is not in " + description_);
  }
  return it->second;
}

Result<std::unique_ptr<KeyProvider>> ParseKeyFile(std::string_view text, const std::string& source) {
  auto provider = std::make_unique<StaticKeyProvider>(source);
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = source + " line " + std::to_string(line_no);
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) return Status::InvalidArgument(where + ": expected \"KEY_ID HEX\"");
    RETURN_IF_ERROR(AddParsedKey(provider.get(), line.substr(0, sp), Trim(line.substr(sp + 1)), where));
  }
  if (provider->size() == 0) return Status::InvalidArgument(source + " holds no key (lines \"KEY_ID HEX\")");
  return std::unique_ptr<KeyProvider>(std::move(provider));
}

Result<std::unique_ptr<KeyProvider>> KeyFileProvider(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::string why = std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound("key file " + path + " does not exist");
    return Status::IOError("key file " + path + ": " + why);
  }
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument("key file " + path +
                                   " is readable or writable by group or others: chmod 600 it (keys are secrets)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("key file " + path + ": cannot open it");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto provider = ParseKeyFile(text, "key file " + path);
  OPENSSL_cleanse(text.data(), text.size());
  return provider;
}

Result<std::unique_ptr<KeyProvider>> ParseKeyList(std::string_view value, const std::string& source) {
  auto provider = std::make_unique<StaticKeyProvider>(source);
  value = Trim(value);
  if (value.find(':') == std::string_view::npos && value.find(',') == std::string_view::npos) {
    auto key = ParseKeyHex(value);
    if (!key.ok()) return key.status().WithContext(source);
    RETURN_IF_ERROR(provider->Add("default", std::move(key).value()));
    return std::unique_ptr<KeyProvider>(std::move(provider));
  }
  size_t n = 0;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    ++n;
    const std::string where = source + " entry " + std::to_string(n);
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) return Status::InvalidArgument(where + ": expected KEY_ID:HEX");
    RETURN_IF_ERROR(AddParsedKey(provider.get(), item.substr(0, colon), Trim(item.substr(colon + 1)), where));
  }
  if (provider->size() == 0) return Status::InvalidArgument(source + " holds no key");
  return std::unique_ptr<KeyProvider>(std::move(provider));
}

Result<std::unique_ptr<KeyProvider>> EnvKeyProvider(const std::string& var) {
  const char* v = std::getenv(var.c_str());
  if (v == nullptr || *v == '\0') return Status::NotFound("environment variable " + var + " is not set");
  return ParseKeyList(v, "environment variable " + var);
}

}  // namespace strata::crypto
