// Credentials of `strata serve` (--auth-file), shared by every listener (HTTP, ILP, PostgreSQL
// wire) without depending on the server.
//
// File format, one credential per line; blank lines and lines starting with # are ignored:
//
//   # NAME   ROLE   SECRET
//   alice    read   s3cr3t-token-1
//   feed     write  another-long-random-token
//   ops      admin  yet-another-token
//
// NAME: letters, digits, _ . - @ (unique in the file). ROLE: read (queries, subscriptions,
// metrics), write (read + ingest and model put), admin (write + flush, migrate, retention, DDL).
// SECRET: any run of non-blank characters (at least 8); over HTTP it is sent as
// `Authorization: Bearer SECRET` or as Basic auth NAME:SECRET. The file should be readable by the
// server's user only; Load warns (through `on_warning`) when others can read it.
//
// A line of five words is a key for ILP over TCP instead (QuestDB's authentication: key id +
// ECDSA P-256 challenge, what `@questdb/nodejs-client` speaks with `username`/`token` or
// `auth: {keyId, token}`); the last three words are those of a line of QuestDB's own auth file:
//
//   # NAME   ROLE   ec-p-256-sha256   X                                             Y
//   feed     write  ec-p-256-sha256   4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqerM
//   O07J5r4BIWyPPRKvVtDtKCLgYuN9Ui7ZZxiMGOW0CMI
//
// NAME is the key id the client sends; X and Y are the public key's coordinates as in its JWK
// (base64url). The client keeps the private key (the JWK's `d`, its `token`); the server never
// sees it. Keys and tokens are separate lists: a name may have one of each. Only keys of role
// write or admin may send lines over TCP.
//
// Secrets are compared in constant time (CRYPTO_memcmp over SHA-256 digests, so the length leaks
// nothing either) and never appear in an error message or a log line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/ecdsa.h"
#include "strata/status.h"

namespace strata::auth {

enum class Role : int { kRead = 1, kWrite = 2, kAdmin = 3 };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view text);
// Whether `have` allows what `need` allows (admin > write > read).
inline bool Allows(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

struct Credential {
  std::string name;
  Role role = Role::kRead;
  std::string secret;  // what pgwire needs for MD5/SCRAM; never log it
};

// A public key for ILP over TCP (a five-word line).
struct TcpKey {
  std::string name;  // the key id
  Role role = Role::kWrite;
  EcPublicKey key;
  std::string x, y;  // the public key as written in the file (not secret), to tell a changed key
};

class AuthFile {
 public:
  // Parses the text of an auth file; errors name `source` and the line (never the secret).
  static Result<AuthFile> Parse(std::string_view text, const std::string& source);
  // Reads and parses `path`; warns through `on_warning` if group or others may read it.
  static Result<AuthFile> Load(const std::string& path, const std::function<void(std::string_view)>& on_warning = {});

  // The credential named `name`, for protocols that authenticate by name (PostgreSQL MD5/SCRAM,
  // HTTP Basic).
  std::optional<Credential> Lookup(std::string_view name) const;
  // The credential whose secret equals `secret` (HTTP Bearer); every entry is compared, in
  // constant time, whatever matches.
  std::optional<Credential> FindBySecret(std::string_view secret) const;
  // Name and secret both match (HTTP Basic, PostgreSQL password).
  std::optional<Credential> Check(std::string_view name, std::string_view secret) const;
  size_t size() const { return entries_.size(); }
  // The ILP-over-TCP key whose id is `key_id`.
  std::optional<TcpKey> LookupKey(std::string_view key_id) const;
  size_t key_count() const { return keys_.size(); }

  // For a reload (strata serve on SIGHUP): the names of this file's credentials that `next`
  // takes away: gone, another secret, or a lower role. A session that authenticated with one of
  // them must not go on with what it had.
  std::vector<std::string> CredentialsRevokedBy(const AuthFile& next) const;
  // Likewise the ILP/TCP key ids: gone, another public key, or a lower role.
  std::vector<std::string> KeysRevokedBy(const AuthFile& next) const;

 private:
  struct Entry {
    Credential cred;
    unsigned char digest[32];
  };
  std::vector<Entry> entries_;
  std::vector<TcpKey> keys_;
};

// Constant-time equality of two secrets of any length (compares their SHA-256 digests).
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace strata::auth
