// The write side of `strata serve`: InfluxDB/QuestDB line protocol over HTTP (POST /write and
// /api/v2/write, one request = one all-or-nothing transaction across tables, 204 once durable)
// and over TCP, and the PostgreSQL wire protocol listener. The protocols live in src/ilp and
// src/pgwire; this file only starts them with the server's database, auth file and log.
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "ilp/ilp.h"
#include "ilp/tcp_auth.h"
#include "ilp/tcp_listener.h"
#include "pgwire/server.h"
#include "server/server.h"

namespace strata::server {
namespace {

// QuestDB's error shape for a refused ILP request: {code, message, line, errorId}.
std::string IlpErrorJson(const Status& st, const ilp::WriteResult& r, uint64_t error_id) {
  nlohmann::json j = {{"code", "invalid"}, {"message", st.message()}, {"errorId", std::to_string(error_id)}};
  if (r.error_line > 0) j["line"] = r.error_line;
  return j.dump();
}

// A gzip body (Content-Encoding: gzip, what InfluxDB's clients send above 1000 bytes), inflated
// to at most `limit` bytes: the same limit as a plain body, so a small bomb cannot fill memory.
Status Gunzip(std::string_view in, size_t limit, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  out->clear();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return Status::InvalidArgument("the body is not valid gzip (Content-Encoding: gzip)");
    }
    out->append(buf, sizeof buf - z.avail_out);
    if (out->size() > limit) {
      inflateEnd(&z);
      return Status::Aborted("the body inflates past the request size limit of " + std::to_string(limit) +
                             " bytes (--max-body-mb)");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return Status::InvalidArgument("the gzip body is cut short (Content-Encoding: gzip)");
    }
  }
  inflateEnd(&z);
  return Status::OK();
}

pgwire::Role PgRole(auth::Role role) {
  switch (role) {
    case auth::Role::kAdmin: return pgwire::Role::kAdmin;
    case auth::Role::kWrite: return pgwire::Role::kWrite;
    case auth::Role::kRead: break;
  }
  return pgwire::Role::kRead;
}

}  // namespace

void Server::SetIlpOptions(ilp::Options* o) const {
  o->auto_create_columns = options_.ilp_new_columns;
  o->auto_create_tables = options_.ilp_new_tables;
  o->series_key_tag = options_.ilp_series_key_tag;
  o->series_key_tags = options_.ilp_series_key_tags;
  o->max_line_bytes = options_.ilp_max_line_bytes;
}

void Server::AddIlpRoutes() {
  ilp_writer_ = std::make_unique<ilp::Writer>(db_.get());
  auto write = [this](HttpRequest& req, HttpResponder& resp) {
    ilp::Options o;
    SetIlpOptions(&o);
    std::string precision = req.Param("precision");
    if (!precision.empty()) {
      auto p = ilp::ParsePrecision(precision);
      if (!p.ok()) return SendError(resp, 400, "invalid", p.status().message());
      o.precision = *p;
    }
    const std::string encoding = req.Header("content-encoding");
    std::string inflated;
    std::string_view body = req.body;
    if (encoding == "gzip" || encoding == "x-gzip") {
      Status g = Gunzip(req.body, options_.max_body_bytes, &inflated);
      if (g.code() == StatusCode::kAborted) return SendError(resp, 413, "too_large", g.message());
      if (!g.ok()) return SendError(resp, 400, "invalid", g.message());
      body = inflated;
    } else if (!encoding.empty() && encoding != "identity") {
      return SendError(resp, 415, "unsupported_encoding",
                       "Content-Encoding " + QuoteForMessage(encoding, 40) + " is not supported (gzip or none)");
    }
    ilp::WriteResult r;
    Status st = ilp_writer_->WriteRequest(body, o, &r);
    if (st.ok()) return resp.Send(204, "", "");
    static std::atomic<uint64_t> error_ids{0};
    const uint64_t id = ++error_ids;
    Log("ilp over http from " + req.peer + ": request refused, nothing stored (error " + std::to_string(id) +
        "): " + st.message());
    if (st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound) {
      return resp.Send(400, "application/json", IlpErrorJson(st, r, id));
    }
    SendError(resp, st);
  };
  AddRoute("POST", "/write", Access::kWrite, write);
  AddRoute("POST", "/api/v2/write", Access::kWrite, write);
  // QuestDB's HTTP clients ask which line protocol versions the server speaks before they send:
  // strata speaks the text protocol (version 1) only.
  AddRoute("GET", "/settings", Access::kRead, [](HttpRequest&, HttpResponder& resp) {
    resp.Send(200, "application/json", R"({"config":{"line.proto.support.versions":[1]}})");
  });
}

Status Server::StartIlpAndPg() {
  const auto check_bind = [this](const std::string& flag, const std::string& address) -> Status {
    return auth_on() ? Status::OK() : CheckOpenBind(flag, address, options_.insecure_no_auth);
  };
  if (options_.ilp_port >= 0) {
    RETURN_IF_ERROR(check_bind("--ilp", options_.ilp_address));
    if (auth_on() && auth()->key_count() == 0) {
      return Status::InvalidArgument(
          "--ilp (line protocol over TCP) with --auth-file " + options_.auth_file +
          " which has no keys for it: add a line NAME write ec-p-256-sha256 X Y (the client's public key, see "
          "`strata serve --help`), or send lines over HTTP (POST /write with a write token), or --ilp off");
    }
    ilp::TcpListenerOptions t;
    t.address = options_.ilp_address;
    t.port = static_cast<uint16_t>(options_.ilp_port);
    t.log = options_.log;
    SetIlpOptions(&t.ilp);
    t.max_connections = options_.ilp_max_connections;
    if (auth_on()) {
      // QuestDB's key id + ECDSA P-256 challenge (src/ilp/tcp_auth.h) against the file's keys, as
      // they are when the client connects; the connection's identity is the key id and the key.
      t.handshake = [this](ilp::TcpHandshake& h) {
        const ilp::TcpKeyVerifier verify = [this, &h](std::string_view key_id, std::string_view challenge,
                                                      std::string_view signature) -> Status {
          std::optional<auth::TcpKey> key = auth()->LookupKey(key_id);
          if (!key) return Status::InvalidArgument("unknown key id " + QuoteForMessage(key_id, 64));
          if (!key->key.Verify(challenge, signature)) {
            return Status::InvalidArgument("key " + key->name + ": the signature does not verify");
          }
          if (!auth::Allows(key->role, auth::Role::kWrite)) {
            return Status::InvalidArgument("key " + key->name + " has role " + std::string(auth::RoleName(key->role)) +
                                           "; sending lines needs write");
          }
          h.identity = key->name + "\n" + key->x + "\n" + key->y;
          return Status::OK();
        };
        return ilp::QuestDbAuthHandshake(h, verify);
      };
      // After a reload (SIGHUP): a connection whose key was removed, changed or lowered below
      // write stores nothing more.
      t.still_allowed = [this](std::string_view identity) -> Status {
        const size_t a = identity.find('\n'), b = identity.rfind('\n');
        const std::string_view name = identity.substr(0, a);
        std::optional<auth::TcpKey> key = auth()->LookupKey(name);
        if (!key || key->x != identity.substr(a + 1, b - a - 1) || key->y != identity.substr(b + 1) ||
            !auth::Allows(key->role, auth::Role::kWrite)) {
          return Status::InvalidArgument("key " + std::string(name) + " was revoked (the auth file changed)");
        }
        return Status::OK();
      };
    }
    ASSIGN_OR_RETURN(ilp_tcp_, ilp::TcpListener::Start(db_.get(), std::move(t)));
  }
  if (options_.pg_port >= 0) {
    RETURN_IF_ERROR(check_bind("--pg", options_.pg_address));
    pgwire::ServerOptions p;
    p.address = options_.pg_address;
    p.port = static_cast<uint16_t>(options_.pg_port);
    if (auth_on()) {
      // Looked up at each login and again before each statement (pgwire re-checks a session's
      // credential, so a reload that revokes it ends the session).
      p.credentials = [this](std::string_view user) -> std::optional<pgwire::Credential> {
        std::optional<auth::Credential> c = auth()->Lookup(user);
        if (!c) return std::nullopt;
        return pgwire::Credential{c->secret, PgRole(c->role)};
      };
    }
    p.on_log = options_.log;
    pg_ = std::make_unique<pgwire::Server>(db_.get(), std::move(p));
    RETURN_IF_ERROR(pg_->Start());
  }
  return Status::OK();
}

}  // namespace strata::server
