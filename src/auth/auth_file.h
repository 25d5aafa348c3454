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
// Secrets are compared in constant time (CRYPTO_memcmp over SHA-256 digests, so the length leaks
// nothing either) and never appear in an error message or a log line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

 private:
  struct Entry {
    Credential cred;
    unsigned char digest[32];
  };
  std::vector<Entry> entries_;
};

// Constant-time equality of two secrets of any length (compares their SHA-256 digests).
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace strata::auth
