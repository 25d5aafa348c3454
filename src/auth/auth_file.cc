#include "auth/auth_file.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cstring>

#include "strata/file_system.h"

namespace strata::auth {
namespace {

constexpr std::string_view kKeyType = "ec-p-256-sha256";  // QuestDB's name for the key type

void Digest(std::string_view s, unsigned char out[32]) {
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out);
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead: return "read";
    case Role::kWrite: return "write";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

Result<Role> ParseRole(std::string_view text) {
  if (text == "read") return Role::kRead;
  if (text == "write") return Role::kWrite;
  if (text == "admin") return Role::kAdmin;
  return Status::InvalidArgument("unknown role " + QuoteForMessage(text, 40) + " (read, write or admin)");
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  unsigned char da[32], db[32];
  Digest(a, da);
  Digest(b, db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

Result<AuthFile> AuthFile::Parse(std::string_view text, const std::string& source) {
  AuthFile file;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::vector<std::string_view> w = Words(line);
    if (w.empty() || w[0].starts_with("#")) continue;
    const std::string where = source + " line " + std::to_string(line_no) + ": ";
    const bool key_line = w.size() == 5 && w[2] == kKeyType;
    if (w.size() != 3 && !key_line) {
      if (w.size() == 5) {
        return Status::InvalidArgument(where + "unknown key type " + QuoteForMessage(w[2], 40) + " (" +
                                       std::string(kKeyType) + ")");
      }
      return Status::InvalidArgument(where + "expected NAME ROLE SECRET, or NAME ROLE " + std::string(kKeyType) +
                                     " X Y for ILP over TCP (" + std::to_string(w.size()) +
                                     " words found; a secret cannot contain blanks)");
    }
    if (!ValidName(w[0])) {
      return Status::InvalidArgument(where + "bad name " + QuoteForMessage(w[0], 64) +
                                     " (letters, digits, _ . - @; at most 64)");
    }
    auto role = ParseRole(w[1]);
    if (!role.ok()) return Status::InvalidArgument(where + role.status().message());
    if (key_line) {
      if (file.LookupKey(w[0])) return Status::InvalidArgument(where + "key " + std::string(w[0]) + " appears twice");
      auto key = EcPublicKey::FromJwk(w[3], w[4]);
      if (!key.ok()) {
        return Status::InvalidArgument(where + "key " + std::string(w[0]) + ": " + key.status().message());
      }
      file.keys_.push_back({std::string(w[0]), *role, std::move(*key), std::string(w[3]), std::string(w[4])});
      continue;
    }
    if (w[2].size() < 8)
      return Status::InvalidArgument(where + "the secret of " + std::string(w[0]) + " is shorter than 8 characters");
    if (file.Lookup(w[0])) return Status::InvalidArgument(where + "name " + std::string(w[0]) + " appears twice");
    Entry e;
    e.cred = {std::string(w[0]), *role, std::string(w[2])};
    Digest(w[2], e.digest);
    for (const Entry& other : file.entries_) {
      if (CRYPTO_memcmp(other.digest, e.digest, sizeof e.digest) == 0) {
        return Status::InvalidArgument(where + "the secret of " + e.cred.name + " is the same as " + other.cred.name +
                                       "'s (bearer tokens must be unique)");
      }
    }
    file.entries_.push_back(std::move(e));
  }
  if (file.entries_.empty() && file.keys_.empty()) {
    return Status::InvalidArgument(source + ": no credentials (lines NAME ROLE SECRET; role read, write or admin)");
  }
  return file;
}

Result<AuthFile> AuthFile::Load(const std::string& path, const std::function<void(std::string_view)>& on_warning) {
  auto text = DefaultFileSystem()->ReadFile(path);
  if (!text.ok()) return Status(text.status().code(), "--auth-file: " + text.status().message());
  struct stat st;
  if (on_warning && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    on_warning("warning: " + path + " can be read by other users (chmod 600 it)");
  }
  return Parse(*text, path);
}

std::optional<Credential> AuthFile::Lookup(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.cred.name == name) return e.cred;
  }
  return std::nullopt;
}

std::optional<TcpKey> AuthFile::LookupKey(std::string_view key_id) const {
  for (const TcpKey& k : keys_) {
    if (k.name == key_id) return k;
  }
  return std::nullopt;
}

std::optional<Credential> AuthFile::FindBySecret(std::string_view secret) const {
  unsigned char d[32];
  Digest(secret, d);
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(e.digest, d, sizeof d) == 0) found = &e;  // no early exit
  }
  if (found == nullptr) return std::nullopt;
  return found->cred;
}

std::vector<std::string> AuthFile::CredentialsRevokedBy(const AuthFile& next) const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    const Entry* now = nullptr;
    for (const Entry& n : next.entries_) {
      if (n.cred.name == e.cred.name) now = &n;
    }
    if (now == nullptr || CRYPTO_memcmp(now->digest, e.digest, sizeof e.digest) != 0 ||
        !Allows(now->cred.role, e.cred.role)) {
      out.push_back(e.cred.name);
    }
  }
  return out;
}

std::vector<std::string> AuthFile::KeysRevokedBy(const AuthFile& next) const {
  std::vector<std::string> out;
  for (const TcpKey& k : keys_) {
    std::optional<TcpKey> now = next.LookupKey(k.name);
    if (!now || now->x != k.x || now->y != k.y || !Allows(now->role, k.role)) out.push_back(k.name);
  }
  return out;
}

std::optional<Credential> AuthFile::Check(std::string_view name, std::string_view secret) const {
  unsigned char d[32];
  Digest(secret, d);
  for (const Entry& e : entries_) {
    if (e.cred.name != name) continue;
    if (CRYPTO_memcmp(e.digest, d, sizeof d) == 0) return e.cred;
    return std::nullopt;
  }
  // An unknown name costs the same digest work as a known one.
  return std::nullopt;
}

}  // namespace strata::auth
