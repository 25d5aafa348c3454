#include "pgwire/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pgwire/auth.h"
#include "pgwire/catalog.h"
#include "pgwire/protocol.h"
#include "query/batch_stream.h"
#include "sql/binder.h"
#include "sql/lexer.h"
#include "sql/params.h"
#include "sql/parser.h"
#include "strata/database.h"

namespace strata::pgwire {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Database* db;
  ServerOptions options;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread accept_thread;
  uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};
  bool started = false;
  std::atomic<uint64_t> statements_bound{0};
  std::atomic<uint64_t> prepared_reuses{0};

  struct Conn {
    int32_t secret = 0;
    std::shared_ptr<std::atomic<bool>> cancel;
    int fd = -1;
    bool counted = true;  // false: refused for max_connections, only answering its error
  };
  mutable std::mutex mu;
  std::unordered_map<int32_t, Conn> conns;  // by pid
  std::vector<std::thread> threads;
  std::vector<std::thread::id> finished;
  int32_t next_pid = 1000;
  std::mt19937_64 rng{std::random_device{}()};

  void Log(std::string_view msg) const {
    if (options.on_log) options.on_log(msg);
  }
  void Accept();
  void Reap();
  void Cancel(int32_t pid, int32_t secret) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = conns.find(pid);
    if (it != conns.end() && it->second.secret == secret) it->second.cancel->store(true);
  }
};

namespace {

using strata::sql::Literal;
using strata::sql::LiteralKind;

// ---- statement classification ----

// The first word of a statement (lower case), skipping spaces, comments and '('.
std::string FirstWord(std::string_view s, size_t* after = nullptr) {
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == '(' || s[i] == ';') {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      const size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl + 1;
    } else if (s.compare(i, 2, "/*") == 0) {
      const size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  std::string w;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
    w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
    ++i;
  }
  if (after) *after = i;
  return w;
}

bool IsBlank(std::string_view s) {
  size_t after = 0;
  return FirstWord(s, &after).empty() && after >= s.size();
}

// A statement that clients send around their queries and strata accepts without effect; its
// command tag, or "" when `s` is not one.
std::string NoopTag(std::string_view s, char* txn) {
  size_t after = 0;
  const std::string w = FirstWord(s, &after);
  if (w == "begin" || w == "start") {
    *txn = 'T';
    return "BEGIN";
  }
  if (w == "commit" || w == "end") {
    *txn = 'I';
    return "COMMIT";
  }
  if (w == "rollback" || w == "abort") {
    *txn = 'I';
    return "ROLLBACK";
  }
  if (w == "set") return "SET";
  if (w == "reset") return "RESET";
  if (w == "discard") return "DISCARD ALL";
  if (w == "deallocate") return "DEALLOCATE";
  if (w == "listen") return "LISTEN";
  if (w == "unlisten") return "UNLISTEN";
  return "";
}

Status Cancelled() { return Status::Aborted("57014: canceling statement due to user request"); }

struct Prepared {
  std::string sql;
  std::vector<uint32_t> param_oids;  // declared (0) or inferred, one per parameter
  std::vector<query::ExprType> param_types;
  // A SELECT whose parameters only bound the scan, bound once at Parse (sql::BindPrepared): each
  // Bind copies it and puts the values into its scan (sql::ApplyParameters) instead of parsing and
  // binding again. Null: bound per Bind. `schema`: the table's fields when it was bound (a Bind
  // after ALTER TABLE binds again).
  std::shared_ptr<const sql::BoundSelect> bound;
  std::vector<Field> schema;
};

struct Portal {
  std::unique_ptr<query::BatchStream> stream;  // null: a command without rows
  std::string tag;                             // for a command without rows ("BEGIN", "SET")
  bool empty_query = false;
  std::vector<int16_t> formats;  // per column: 0 text, 1 binary
  RecordBatch batch;
  size_t row = 0;
  uint64_t sent = 0;
  bool done = false;
  char txn_after = 0;  // the transaction state the command sets (0: unchanged)
};

class Session {
 public:
  Session(std::shared_ptr<Server::Impl> server, tcp::socket socket, int32_t pid, int32_t secret,
          std::shared_ptr<std::atomic<bool>> cancel)
      : server_(std::move(server)), socket_(std::move(socket)), cancel_(std::move(cancel)), pid_(pid), secret_(secret) {
    info_.server_version = server_->options.server_version;
    info_.pid = pid;
  }

  void Run() {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    if (!Startup()) return;
    while (!server_->stopping.load()) {
      char type = 0;
      std::string body;
      if (!ReadMessage(&type, &body)) return;
      if (!Handle(type, body)) return;
    }
  }

 private:
  // ---- I/O ----
  bool ReadExact(char* p, size_t n) {
    boost::system::error_code ec;
    asio::read(socket_, asio::buffer(p, n), ec);
    return !ec;
  }
  bool Flush() {
    if (out_.size() == 0) return true;
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(out_.buffer()), ec);
    out_.Clear();
    if (ec) {
      broken_ = true;
      return false;
    }
    return true;
  }
  bool ReadMessage(char* type, std::string* body) {
    char hdr[5];
    if (!ReadExact(hdr, 5)) return false;
    *type = hdr[0];
    uint32_t len;
    std::memcpy(&len, hdr + 1, 4);
    len = ntohl(len);
    if (len < 4) return Fatal("08P01", "invalid message length " + std::to_string(len));
    if (len - 4 > server_->options.max_message_bytes) {
      return Fatal("54000", "message of " + std::to_string(len) + " bytes is over the server's limit of " +
                                std::to_string(server_->options.max_message_bytes));
    }
    body->resize(len - 4);
    return ReadExact(body->data(), body->size());
  }
  // Sends a FATAL error and ends the connection (returns false).
  bool Fatal(const std::string& code, const std::string& msg) {
    ErrorFields e;
    e.severity = "FATAL";
    e.code = code;
    e.message = msg;
    WriteError(&out_, e);
    Flush();
    server_->Log("pgwire: connection " + std::to_string(pid_) + ": " + msg);
    return false;
  }
  void SendError(const ErrorFields& e) {
    WriteError(&out_, e);
    if (txn_ == 'T') txn_ = 'E';
  }
  void ReadyForQuery() {
    out_.Begin('Z');
    out_.Int8(static_cast<uint8_t>(txn_));
    out_.End();
  }
  void ParameterStatus(std::string_view k, std::string_view v) {
    out_.Begin('S');
    out_.CString(k);
    out_.CString(v);
    out_.End();
  }
  void AuthRequest(int32_t code, std::string_view extra = {}) {
    out_.Begin('R');
    out_.Int32(code);
    out_.Bytes(extra);
    out_.End();
  }

  // ---- startup ----
  bool Startup() {
    for (int round = 0; round < 3; ++round) {
      char lenbuf[4];
      if (!ReadExact(lenbuf, 4)) return false;
      uint32_t len;
      std::memcpy(&len, lenbuf, 4);
      len = ntohl(len);
      if (len < 8 || len > 10000) return Fatal("08P01", "invalid startup packet length " + std::to_string(len));
      std::string body(len - 4, '\0');
      if (!ReadExact(body.data(), body.size())) return false;
      Result<StartupPacket> p = ParseStartup(body);
      if (!p.ok()) {
        ErrorFields e = ErrorFromStatus(p.status(), "", 0, false);
        return Fatal(e.code, e.message);
      }
      switch (p->kind) {
        case StartupPacket::Kind::kSslRequest:
        case StartupPacket::Kind::kGssEncRequest:
          out_.buffer().push_back('N');  // no TLS / GSSAPI encryption: the client goes on in clear
          if (!Flush()) return false;
          continue;
        case StartupPacket::Kind::kCancel: server_->Cancel(p->pid, p->secret); return false;
        case StartupPacket::Kind::kStartup: return Begin(*p);
      }
    }
    return Fatal("08P01", "too many SSL/GSS requests");
  }

  bool ReadPassword(std::string* out) {
    if (!Flush()) return false;
    char type;
    std::string body;
    if (!ReadMessage(&type, &body)) return false;
    if (type != 'p') return Fatal("08P01", "expected a password message, got '" + std::string(1, type) + "'");
    *out = std::move(body);
    return true;
  }

  bool Authenticate(const std::string& user) {
    const ServerOptions& o = server_->options;
    if (!o.credentials) return true;
    const std::optional<Credential> cred = o.credentials(user);
    const std::string secret = cred ? cred->secret : "";
    const std::string failed = "password authentication failed for user \"" + user + "\"";
    if (cred) role_ = cred->role;
    password_ = secret;  // for StillAuthorized (a failed login ends the connection)
    switch (o.auth_method) {
      case AuthMethod::kCleartext: {
        AuthRequest(3);
        std::string body;
        if (!ReadPassword(&body)) return false;
        MessageReader r(body);
        Result<std::string_view> pw = r.CString("the password");
        if (!pw.ok() || !cred || !ConstantTimeEquals(*pw, secret)) return Fatal("28P01", failed);
        return true;
      }
      case AuthMethod::kMd5: {
        const std::string salt = RandomBytes(4);
        AuthRequest(5, salt);
        std::string body;
        if (!ReadPassword(&body)) return false;
        MessageReader r(body);
        Result<std::string_view> pw = r.CString("the password");
        if (!pw.ok() || !cred || !ConstantTimeEquals(*pw, Md5Response(user, secret, salt)))
          return Fatal("28P01", failed);
        return true;
      }
      case AuthMethod::kScramSha256: {
        AuthRequest(10, std::string_view("SCRAM-SHA-256\0\0", 15));
        std::string body;
        if (!ReadPassword(&body)) return false;
        MessageReader r(body);
        Result<std::string_view> mech = r.CString("the SASL mechanism");
        Result<int32_t> n = r.Int32("the SASL data length");
        if (!mech.ok() || *mech != "SCRAM-SHA-256")
          return Fatal("28000", "unsupported SASL mechanism (use SCRAM-SHA-256)");
        if (!n.ok() || *n < 0 || static_cast<size_t>(*n) != r.remaining())
          return Fatal("08P01", "malformed SASLInitialResponse");
        Result<std::string_view> first = r.Bytes(static_cast<size_t>(*n), "the SASL data");
        ScramServer scram(secret, !cred);
        Result<std::string> server_first = scram.First(*first);
        if (!server_first.ok()) {
          ErrorFields e = ErrorFromStatus(server_first.status(), "", 0, false);
          return Fatal(e.code, e.message);
        }
        AuthRequest(11, *server_first);
        if (!ReadPassword(&body)) return false;
        Result<std::string> final = scram.Final(body);
        if (!final.ok()) {
          ErrorFields e = ErrorFromStatus(final.status(), "", 0, false);
          return Fatal(e.code, e.code == "28P01" ? failed : e.message);
        }
        AuthRequest(12, *final);
        return true;
      }
    }
    return false;
  }

  bool Begin(const StartupPacket& p) {
    info_.user = p.Param("user");
    info_.database = p.Param("database").empty() ? info_.user : p.Param("database");
    if (server_->stopping.load()) return Fatal("57P01", "the server is shutting down");
    if (!Authenticate(info_.user)) return false;
    AuthRequest(0);  // AuthenticationOk
    if ((p.protocol & 0xffff) != 0) {
      // NegotiateProtocolVersion: we speak 3.0 and none of the _pq_ options.
      out_.Begin('v');
      out_.Int32(kProtocol30);
      int n = 0;
      for (const auto& [k, v] : p.params) n += k.rfind("_pq_.", 0) == 0;
      out_.Int32(n);
      for (const auto& [k, v] : p.params) {
        if (k.rfind("_pq_.", 0) == 0) out_.CString(k);
      }
      out_.End();
    }
    for (const char* name : {"server_version", "server_encoding", "client_encoding", "DateStyle", "integer_datetimes",
                             "TimeZone", "standard_conforming_strings", "IntervalStyle", "is_superuser",
                             "session_authorization", "application_name"}) {
      std::optional<std::string> v = SettingValue(name, info_);
      if (std::string_view(name) == "application_name") v = p.Param("application_name");
      if (std::string_view(name) == "is_superuser") v = role_ == Role::kAdmin ? "on" : "off";
      ParameterStatus(name, v.value_or(""));
    }
    out_.Begin('K');
    out_.Int32(pid_);
    out_.Int32(secret_);
    out_.End();
    ReadyForQuery();
    return Flush();
  }

  // ---- running statements ----

  // Builds the portal for one statement (`text`, at byte `offset` of `whole`). `params`: the
  // values of $1..$n (null: describe only, placeholders of the inferred types).
  Result<Portal> Plan(std::string_view text, std::string_view whole, size_t offset, const std::vector<Literal>* params,
                      ErrorFields* error) {
    Portal portal;
    auto fail = [&](const Status& st, bool parse) -> Status {
      *error = ErrorFromStatus(st, whole, offset, parse);
      return st;
    };
    if (IsBlank(text)) {
      portal.empty_query = true;
      return portal;
    }
    char txn = 0;
    const std::string tag = NoopTag(text, &txn);
    if (!tag.empty()) {
      portal.tag = tag;
      portal.txn_after = txn;
      return portal;
    }
    if (txn_ == 'E') {
      return fail(Status::InvalidArgument(
                      "25P02: current transaction is aborted, commands ignored until end of transaction block"),
                  false);
    }
    size_t after = 0;
    if (FirstWord(text, &after) == "show") {
      std::string rest(text.substr(after));
      std::string name;
      for (char c : rest) {
        if (c == ';') break;
        if (!std::isspace(static_cast<unsigned char>(c)))
          name.push_back(static_cast<char>(std::tolower(c)));
        else if (!name.empty())
          name.push_back(' ');
      }
      while (!name.empty() && name.back() == ' ') name.pop_back();
      if (name != "tables") {
        if (name == "all") {
          return fail(Status::Unsupported("SHOW ALL is not supported; SHOW one setting"), false);
        }
        std::optional<std::string> v = SettingValue(name, info_);
        if (!v)
          return fail(Status::InvalidArgument("42704: unrecognized configuration parameter \"" + name + "\""), false);
        portal.stream = TextRow({name}, {*v});
        portal.tag = "SHOW";
        return portal;
      }
    }
    if (auto answer = AnswerCatalogQuery(server_->db, text, info_)) {
      if (!answer->ok()) return fail(answer->status(), false);
      portal.stream = std::move(**answer);
      return portal;
    }
    Result<sql::Statement> st = sql::ParseStatement(text);
    if (!st.ok()) return fail(st.status(), true);
    sql::TableLookup lookup = [this](std::string_view name) { return server_->db->GetTable(name); };
    std::vector<Literal> values;
    if (params != nullptr) {
      values = *params;
    } else {
      for (query::ExprType t : sql::InferParameterTypes(*st, lookup)) values.push_back(Placeholder(t));
    }
    if (Status s = sql::SubstituteParameters(&*st, values); !s.ok()) return fail(s, false);
    RewriteServerFunctions(&*st, info_);
    if (Status allowed = CheckRole(*st); !allowed.ok()) return fail(allowed, false);
    if (params != nullptr) server_->statements_bound.fetch_add(1, std::memory_order_relaxed);
    Result<std::unique_ptr<query::BatchStream>> stream = sql::RunStatement(server_->db, *st);
    if (!stream.ok()) return fail(stream.status(), false);
    portal.stream = std::move(*stream);
    return portal;
  }

  // The portal of a prepared SELECT bound at Parse, with `params` in its scan; nullopt when it
  // must be planned from its text (no plan, a value the push-down does not take, a changed
  // schema, an aborted transaction, which Plan reports).
  std::optional<Result<Portal>> PlanPrepared(const Prepared& prepared, const std::vector<Literal>& params,
                                             ErrorFields* error) {
    if (!prepared.bound || txn_ == 'E') return std::nullopt;
    Result<TableDef> def = server_->db->GetTable(prepared.bound->scan.table);
    if (!def.ok() || def->schema.fields() != prepared.schema) return std::nullopt;
    sql::BoundSelect b = *prepared.bound;
    Result<bool> applied = sql::ApplyParameters(&b, params);
    if (!applied.ok() || !*applied) return std::nullopt;
    server_->prepared_reuses.fetch_add(1, std::memory_order_relaxed);
    Result<std::unique_ptr<query::BatchStream>> stream = sql::ExecuteSelect(server_->db, b);
    if (!stream.ok()) {
      *error = ErrorFromStatus(stream.status(), prepared.sql, 0, false);
      return Result<Portal>(stream.status());
    }
    Portal portal;
    portal.stream = std::move(*stream);
    return Result<Portal>(std::move(portal));
  }

  static Literal Placeholder(query::ExprType t) {
    Literal l;
    switch (t) {
      case query::ExprType::kBool: l.kind = LiteralKind::kBool; break;
      case query::ExprType::kInt32:
      case query::ExprType::kInt64: l.kind = LiteralKind::kInteger; break;
      case query::ExprType::kFloat64: l.kind = LiteralKind::kFloat; break;
      case query::ExprType::kTimestamp: l.kind = LiteralKind::kTimestamp; break;
      default: l.kind = LiteralKind::kString; break;
    }
    return l;
  }

  void RowDescription(const std::vector<Field>& fields, const std::vector<int16_t>& formats) {
    out_.Begin('T');
    out_.Int16(static_cast<int16_t>(fields.size()));
    for (size_t i = 0; i < fields.size(); ++i) {
      const uint32_t oid = TypeOid(fields[i].type);
      out_.CString(fields[i].name);
      out_.Int32(0);  // table oid
      out_.Int16(0);  // column number
      out_.Int32(static_cast<int32_t>(oid));
      out_.Int16(TypeLen(oid));
      out_.Int32(-1);  // typmod
      out_.Int16(i < formats.size() ? formats[i] : 0);
    }
    out_.End();
  }

  // Sends rows of the portal: all (max_rows 0) or up to max_rows. *suspended: rows remain.
  Status SendRows(Portal* p, uint64_t max_rows, bool* suspended) {
    *suspended = false;
    uint64_t sent_now = 0;
    std::string& out = out_.buffer();
    const size_t ncols = p->stream->fields().size();
    const size_t flush_at = server_->options.send_buffer_bytes;
    while (!p->done) {
      if (p->row >= p->batch.num_rows()) {
        if (cancel_->load()) return Cancelled();
        if (server_->stopping.load())
          return Status::Aborted("57P01: terminating connection due to administrator command");
        ASSIGN_OR_RETURN(bool more, p->stream->Next(&p->batch));
        p->row = 0;
        if (!more) {
          p->done = true;
          p->batch = RecordBatch();
          break;
        }
      }
      const size_t n = p->batch.num_rows();
      const auto& cols = p->batch.columns();
      for (; p->row < n; ++p->row) {
        if (max_rows != 0 && sent_now == max_rows) {
          *suspended = true;
          return Status::OK();
        }
        const size_t start = out.size();
        out.push_back('D');
        out.append(4, '\0');
        const uint16_t nc = htons(static_cast<uint16_t>(ncols));
        out.append(reinterpret_cast<const char*>(&nc), 2);
        for (size_t c = 0; c < ncols; ++c) {
          const Column& col = cols[c];
          if (col.IsNull(p->row)) {
            out.append(4, '\xff');
            continue;
          }
          const size_t lp = out.size();
          out.append(4, '\0');
          if (c < p->formats.size() && p->formats[c] == 1) {
            AppendBinary(col, p->row, &out);
          } else {
            AppendText(col, p->row, &out);
          }
          const uint32_t len = htonl(static_cast<uint32_t>(out.size() - lp - 4));
          std::memcpy(out.data() + lp, &len, 4);
        }
        const uint32_t mlen = htonl(static_cast<uint32_t>(out.size() - start - 1));
        std::memcpy(out.data() + start + 1, &mlen, 4);
        ++sent_now;
        ++p->sent;
        if (out.size() >= flush_at) {
          if (!Flush()) return Status::IOError("client went away");
          if (cancel_->load()) return Cancelled();  // a batch may be a whole row group: look between writes too
        }
      }
    }
    if (max_rows != 0 && sent_now == max_rows && !p->done) *suspended = true;
    return Status::OK();
  }

  void CommandComplete(const Portal& p) {
    out_.Begin('C');
    if (p.stream) {
      out_.CString(p.tag == "SHOW" ? "SHOW" : "SELECT " + std::to_string(p.sent));
    } else {
      out_.CString(p.tag);
    }
    out_.End();
  }

  // Runs a portal to its end or its row limit: DataRows, then CommandComplete / PortalSuspended /
  // EmptyQueryResponse. False when the connection broke.
  bool Execute(Portal* p, uint64_t max_rows, std::string_view whole, size_t offset) {
    if (p->empty_query) {
      out_.Begin('I');
      out_.End();
      return !broken_;
    }
    if (p->stream) {
      bool suspended = false;
      Status st = SendRows(p, max_rows, &suspended);
      if (broken_) return false;
      if (!st.ok()) {
        p->done = true;
        SendError(ErrorFromStatus(st, whole, offset, false));
        error_ = true;
        return true;
      }
      if (suspended) {
        out_.Begin('s');
        out_.End();
        return true;
      }
    } else if (p->txn_after != 0) {
      txn_ = p->txn_after;
    }
    CommandComplete(*p);
    return true;
  }

  // Simple query: every statement of the string in turn; the first error ends the rest.
  bool SimpleQuery(std::string_view body) {
    MessageReader r(body);
    Result<std::string_view> q = r.CString("the query string");
    if (!q.ok()) return Fatal("08P01", q.status().message());
    unnamed_statement_.reset();
    portals_.erase("");
    cancel_->store(false);
    const std::string_view whole = *q;
    std::vector<std::pair<std::string_view, size_t>> parts;
    if (IsBlank(whole)) {
      parts.push_back({whole, 0});
    } else if (AnswerCatalogQueryShapeOnly(whole)) {
      parts.push_back({whole, 0});
    } else {
      Result<std::vector<sql::StatementText>> split = sql::SplitStatements(whole);
      if (!split.ok()) {
        SendError(ErrorFromStatus(split.status(), whole, 0, true));
      } else {
        for (const sql::StatementText& s : *split) {
          parts.push_back({s.text, static_cast<size_t>(s.text.data() - whole.data())});
        }
        if (parts.empty()) parts.push_back({whole, 0});
      }
    }
    error_ = false;
    for (const auto& [text, offset] : parts) {
      ErrorFields err;
      Result<Portal> p = Plan(text, whole, offset, nullptr, &err);
      if (!p.ok()) {
        SendError(err);
        break;
      }
      if (p->stream) RowDescription(p->stream->fields(), {});
      if (!Execute(&*p, 0, whole, offset)) return false;
      if (error_) break;
    }
    ReadyForQuery();
    return Flush();
  }

  // A query the statement splitter cannot read (psql's catalog queries with regex operators)
  // still runs whole when it is a catalog query.
  static bool AnswerCatalogQueryShapeOnly(std::string_view q) {
    Result<std::vector<sql::StatementText>> split = sql::SplitStatements(q);
    return !split.ok();
  }

  // ---- extended query ----
  void ExtError(const ErrorFields& e) {
    SendError(e);
    skip_to_sync_ = true;
  }
  void ExtError(const std::string& code, const std::string& msg) {
    ErrorFields e;
    e.code = code;
    e.message = msg;
    ExtError(e);
  }

  bool Parse(std::string_view body) {
    MessageReader r(body);
    auto name = r.CString("the statement name");
    auto text = r.CString("the query string");
    auto n = r.Int16("the parameter count");
    if (!name.ok() || !text.ok() || !n.ok() || *n < 0) return Fatal("08P01", "malformed Parse message");
    auto prepared = std::make_shared<Prepared>();
    prepared->sql = std::string(*text);
    for (int i = 0; i < *n; ++i) {
      auto oid = r.Int32("a parameter type");
      if (!oid.ok()) return Fatal("08P01", "malformed Parse message");
      prepared->param_oids.push_back(static_cast<uint32_t>(*oid));
    }
    if (!name->empty() && statements_.count(std::string(*name))) {
      ExtError("42P05", "prepared statement \"" + std::string(*name) + "\" already exists");
      return true;
    }
    // Check the syntax now, and find the parameters' types.
    const std::string& sql = prepared->sql;
    if (!IsBlank(sql) && NoopTag(sql, &dummy_txn_).empty() && FirstWord(sql) != "show" &&
        !AnswerCatalogQuery(server_->db, sql, info_)) {
      Result<sql::Statement> st = sql::ParseStatement(sql);
      if (!st.ok()) {
        ExtError(ErrorFromStatus(st.status(), sql, 0, true));
        return true;
      }
      sql::TableLookup lookup = [this](std::string_view t) { return server_->db->GetTable(t); };
      prepared->param_types = sql::InferParameterTypes(*st, lookup);
      if (st->kind == sql::StatementKind::kSelect && st->query && sql::MaxParameter(*st) > 0) {
        RewriteServerFunctions(&*st, info_);
        Result<sql::BoundSelect> bound = sql::BindPrepared(*st->query, lookup);
        if (bound.ok() && bound->from_table && !bound->parameter_pushes.empty() && CheckRole(*st).ok()) {
          Result<TableDef> def = server_->db->GetTable(bound->scan.table);
          if (def.ok()) {
            prepared->schema = def->schema.fields();
            prepared->bound = std::make_shared<const sql::BoundSelect>(std::move(*bound));
          }
        }
      }
    }
    prepared->param_oids.resize(std::max(prepared->param_oids.size(), prepared->param_types.size()), 0);
    prepared->param_types.resize(prepared->param_oids.size(), query::ExprType::kString);
    for (size_t i = 0; i < prepared->param_oids.size(); ++i) {
      if (prepared->param_oids[i] == 0) {
        prepared->param_oids[i] = ExprTypeOid(prepared->param_types[i]);
      } else if (auto t = OidExprType(prepared->param_oids[i])) {
        prepared->param_types[i] = *t;
      }
    }
    if (name->empty()) {
      unnamed_statement_ = prepared;
    } else {
      statements_[std::string(*name)] = prepared;
    }
    out_.Begin('1');
    out_.End();
    return true;
  }

  std::shared_ptr<Prepared> FindStatement(const std::string& name) {
    if (name.empty()) return unnamed_statement_;
    auto it = statements_.find(name);
    return it == statements_.end() ? nullptr : it->second;
  }

  bool Bind(std::string_view body) {
    MessageReader r(body);
    auto portal_name = r.CString("the portal name");
    auto stmt_name = r.CString("the statement name");
    if (!portal_name.ok() || !stmt_name.ok()) return Fatal("08P01", "malformed Bind message");
    std::vector<int16_t> param_formats, result_formats;
    auto nf = r.Int16("the parameter format count");
    if (!nf.ok() || *nf < 0) return Fatal("08P01", "malformed Bind message");
    for (int i = 0; i < *nf; ++i) {
      auto f = r.Int16("a parameter format");
      if (!f.ok()) return Fatal("08P01", "malformed Bind message");
      param_formats.push_back(*f);
    }
    auto np = r.Int16("the parameter count");
    if (!np.ok() || *np < 0) return Fatal("08P01", "malformed Bind message");
    std::vector<std::optional<std::string_view>> values;
    for (int i = 0; i < *np; ++i) {
      auto len = r.Int32("a parameter length");
      if (!len.ok()) return Fatal("08P01", "malformed Bind message");
      if (*len < 0) {
        values.emplace_back(std::nullopt);
        continue;
      }
      auto v = r.Bytes(static_cast<size_t>(*len), "a parameter value");
      if (!v.ok()) return Fatal("08P01", "malformed Bind message");
      values.emplace_back(*v);
    }
    auto nr = r.Int16("the result format count");
    if (!nr.ok() || *nr < 0) return Fatal("08P01", "malformed Bind message");
    for (int i = 0; i < *nr; ++i) {
      auto f = r.Int16("a result format");
      if (!f.ok()) return Fatal("08P01", "malformed Bind message");
      result_formats.push_back(*f);
    }
    std::shared_ptr<Prepared> prepared = FindStatement(std::string(*stmt_name));
    if (!prepared) {
      ExtError("26000", "prepared statement \"" + std::string(*stmt_name) + "\" does not exist");
      return true;
    }
    if (!portal_name->empty() && portals_.count(std::string(*portal_name))) {
      ExtError("42P03", "portal \"" + std::string(*portal_name) + "\" already exists");
      return true;
    }
    if (values.size() != prepared->param_oids.size()) {
      ExtError("08P01", "bind message supplies " + std::to_string(values.size()) +
                            " parameters, but prepared statement \"" + std::string(*stmt_name) + "\" requires " +
                            std::to_string(prepared->param_oids.size()));
      return true;
    }
    if (param_formats.size() > 1 && param_formats.size() != values.size()) {
      ExtError("08P01", "bind message has " + std::to_string(param_formats.size()) + " parameter formats but " +
                            std::to_string(values.size()) + " parameters");
      return true;
    }
    std::vector<Literal> literals;
    for (size_t i = 0; i < values.size(); ++i) {
      const int16_t f = param_formats.empty() ? 0 : param_formats.size() == 1 ? param_formats[0] : param_formats[i];
      Result<Literal> l = DecodeParameter(values[i], f == 1, prepared->param_oids[i], prepared->param_types[i]);
      if (!l.ok()) {
        ErrorFields e = ErrorFromStatus(l.status(), "", 0, false);
        e.message = "parameter $" + std::to_string(i + 1) + ": " + e.message;
        ExtError(e);
        return true;
      }
      literals.push_back(std::move(*l));
    }
    ErrorFields err;
    cancel_->store(false);
    std::optional<Result<Portal>> reused = PlanPrepared(*prepared, literals, &err);
    Result<Portal> p = reused ? std::move(*reused) : Plan(prepared->sql, prepared->sql, 0, &literals, &err);
    if (!p.ok()) {
      ExtError(err);
      return true;
    }
    if (p->stream) {
      const size_t ncols = p->stream->fields().size();
      if (result_formats.size() > 1 && result_formats.size() != ncols) {
        ExtError("08P01", "bind message has " + std::to_string(result_formats.size()) +
                              " result formats but the query has " + std::to_string(ncols) + " columns");
        return true;
      }
      for (size_t i = 0; i < ncols; ++i) {
        p->formats.push_back(result_formats.empty()       ? 0
                             : result_formats.size() == 1 ? result_formats[0]
                                                          : result_formats[i]);
      }
    }
    auto portal = std::make_shared<Portal>(std::move(*p));
    portal_sql_[std::string(*portal_name)] = prepared;
    portals_[std::string(*portal_name)] = std::move(portal);
    out_.Begin('2');
    out_.End();
    return true;
  }

  bool Describe(std::string_view body) {
    MessageReader r(body);
    auto kind = r.Bytes(1, "the describe kind");
    auto name = r.CString("the name");
    if (!kind.ok() || !name.ok()) return Fatal("08P01", "malformed Describe message");
    if ((*kind)[0] == 'S') {
      std::shared_ptr<Prepared> prepared = FindStatement(std::string(*name));
      if (!prepared) {
        ExtError("26000", "prepared statement \"" + std::string(*name) + "\" does not exist");
        return true;
      }
      out_.Begin('t');
      out_.Int16(static_cast<int16_t>(prepared->param_oids.size()));
      for (uint32_t oid : prepared->param_oids) out_.Int32(static_cast<int32_t>(oid));
      out_.End();
      ErrorFields err;
      Result<Portal> p = Plan(prepared->sql, prepared->sql, 0, nullptr, &err);
      if (!p.ok()) {
        ExtError(err);
        return true;
      }
      if (p->stream) {
        RowDescription(p->stream->fields(), {});
      } else {
        out_.Begin('n');
        out_.End();
      }
      return true;
    }
    if ((*kind)[0] == 'P') {
      auto it = portals_.find(std::string(*name));
      if (it == portals_.end()) {
        ExtError("34000", "portal \"" + std::string(*name) + "\" does not exist");
        return true;
      }
      if (it->second->stream) {
        RowDescription(it->second->stream->fields(), it->second->formats);
      } else {
        out_.Begin('n');
        out_.End();
      }
      return true;
    }
    return Fatal("08P01", "invalid Describe kind '" + std::string(*kind) + "'");
  }

  bool ExecuteMsg(std::string_view body) {
    MessageReader r(body);
    auto name = r.CString("the portal name");
    auto max = r.Int32("the row limit");
    if (!name.ok() || !max.ok()) return Fatal("08P01", "malformed Execute message");
    auto it = portals_.find(std::string(*name));
    if (it == portals_.end()) {
      ExtError("34000", "portal \"" + std::string(*name) + "\" does not exist");
      return true;
    }
    std::shared_ptr<Portal> p = it->second;
    const std::string& sql = portal_sql_[std::string(*name)]->sql;
    error_ = false;
    if (!Execute(p.get(), *max <= 0 ? 0 : static_cast<uint64_t>(*max), sql, 0)) return false;
    if (error_) skip_to_sync_ = true;
    return true;
  }

  bool Close(std::string_view body) {
    MessageReader r(body);
    auto kind = r.Bytes(1, "the close kind");
    auto name = r.CString("the name");
    if (!kind.ok() || !name.ok()) return Fatal("08P01", "malformed Close message");
    if ((*kind)[0] == 'S') {
      if (name->empty()) {
        unnamed_statement_.reset();
      } else {
        statements_.erase(std::string(*name));
      }
    } else if ((*kind)[0] == 'P') {
      portals_.erase(std::string(*name));
      portal_sql_.erase(std::string(*name));
    } else {
      return Fatal("08P01", "invalid Close kind");
    }
    out_.Begin('3');
    out_.End();
    return true;
  }

  // The credential this session logged in with, looked up again before each statement (the
  // server's auth file may have been reloaded): gone or another password ends the session with
  // FATAL 28000; a changed role applies from this statement on.
  bool StillAuthorized() {
    const ServerOptions& o = server_->options;
    if (!o.credentials) return true;
    const std::optional<Credential> cred = o.credentials(info_.user);
    if (!cred || !ConstantTimeEquals(cred->secret, password_)) {
      return Fatal("28000",
                   "the credentials of user \"" + info_.user + "\" were revoked (the server's auth file changed)");
    }
    role_ = cred->role;
    return true;
  }

  // INSERT needs role write, ALTER TABLE admin (SQLSTATE 42501 otherwise).
  Status CheckRole(const sql::Statement& st) const {
    const sql::StatementEffect effect = sql::EffectOf(st);
    if (effect == sql::StatementEffect::kRead) return Status::OK();
    const Role need = effect == sql::StatementEffect::kWrite ? Role::kWrite : Role::kAdmin;
    if (static_cast<int>(role_) >= static_cast<int>(need)) return Status::OK();
    const auto name = [](Role r) { return r == Role::kRead ? "read" : r == Role::kWrite ? "write" : "admin"; };
    return Status::InvalidArgument(std::string("42501: permission denied: ") +
                                   (effect == sql::StatementEffect::kWrite ? "INSERT" : "ALTER TABLE") +
                                   " needs role " + name(need) + "; user \"" + info_.user + "\" has role " +
                                   name(role_));
  }

  bool Handle(char type, std::string_view body) {
    if (skip_to_sync_ && type != 'S' && type != 'X') return true;
    if ((type == 'Q' || type == 'P' || type == 'B' || type == 'E') && !StillAuthorized()) return false;
    switch (type) {
      case 'Q': return SimpleQuery(body);
      case 'P': return Parse(body) && (out_.size() < server_->options.send_buffer_bytes || Flush());
      case 'B': return Bind(body);
      case 'D': return Describe(body);
      case 'E': return ExecuteMsg(body) && (out_.size() < server_->options.send_buffer_bytes || Flush());
      case 'C': return Close(body);
      case 'H': return Flush();
      case 'S':
        skip_to_sync_ = false;
        portals_.erase("");  // the unnamed portal ends with the implicit transaction
        portal_sql_.erase("");
        ReadyForQuery();
        return Flush();
      case 'X': return false;
      case 'F': ExtError("0A000", "the function call protocol is not supported"); return true;
      case 'd':
      case 'c':
      case 'f': ExtError("0A000", "COPY is not supported"); return true;
      case 'p': return Fatal("08P01", "unexpected password message");
      default: return Fatal("08P01", "invalid frontend message type '" + std::string(1, type) + "'");
    }
  }

  std::shared_ptr<Server::Impl> server_;
  tcp::socket socket_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  int32_t pid_, secret_;
  ServerInfo info_;
  Role role_ = Role::kAdmin;
  std::string password_;  // the credential's secret this session logged in with (never logged)
  MessageWriter out_;
  bool broken_ = false;
  bool error_ = false;
  bool skip_to_sync_ = false;
  char txn_ = 'I';
  char dummy_txn_ = 0;
  std::shared_ptr<Prepared> unnamed_statement_;
  std::map<std::string, std::shared_ptr<Prepared>> statements_;
  std::map<std::string, std::shared_ptr<Portal>> portals_;
  std::map<std::string, std::shared_ptr<Prepared>> portal_sql_;
};

bool IsLoopback(const asio::ip::address& a) { return a.is_loopback(); }

}  // namespace

void Server::Impl::Reap() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = threads.begin(); it != threads.end();) {
      if (std::find(finished.begin(), finished.end(), it->get_id()) != finished.end()) {
        finished.erase(std::find(finished.begin(), finished.end(), it->get_id()));
        done.push_back(std::move(*it));
        it = threads.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (std::thread& t : done) t.join();
}

void Server::Impl::Accept() {
  auto self = shared_from_this();
  acceptor->async_accept([self](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec || self->stopping.load()) return;
    self->Reap();
    int32_t pid, secret;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    bool full = false;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      int open = 0;
      for (const auto& [p, c] : self->conns) open += c.counted;
      full = open >= self->options.max_connections;
      pid = self->next_pid++;
      secret = static_cast<int32_t>(self->rng());
      self->conns[pid] = Conn{full ? 0 : secret, cancel, socket.native_handle(), !full};
    }
    std::lock_guard<std::mutex> lock(self->mu);
    self->threads.emplace_back([self, s = std::move(socket), pid, secret, cancel, full]() mutable {
      if (full) {
        // Read the startup packet first so that a CancelRequest still works when we are full.
        char lenbuf[4];
        boost::system::error_code ec2;
        asio::read(s, asio::buffer(lenbuf, 4), ec2);
        uint32_t len = 0;
        std::memcpy(&len, lenbuf, 4);
        len = ntohl(len);
        if (!ec2 && len >= 8 && len <= 10000) {
          std::string body(len - 4, '\0');
          asio::read(s, asio::buffer(body), ec2);
          Result<StartupPacket> p = ParseStartup(body);
          if (!ec2 && p.ok() && p->kind == StartupPacket::Kind::kCancel) {
            self->Cancel(p->pid, p->secret);
          } else if (!ec2) {
            if (p.ok() && p->kind != StartupPacket::Kind::kStartup) asio::write(s, asio::buffer("N", 1), ec2);
            MessageWriter w;
            ErrorFields e;
            e.severity = "FATAL";
            e.code = "53300";
            e.message = "sorry, too many clients already (max_connections " +
                        std::to_string(self->options.max_connections) + ")";
            WriteError(&w, e);
            asio::write(s, asio::buffer(w.buffer()), ec2);
          }
        }
      } else {
        Session session(self, std::move(s), pid, secret, cancel);
        session.Run();
      }
      std::lock_guard<std::mutex> lock2(self->mu);
      self->conns.erase(pid);
      self->finished.push_back(std::this_thread::get_id());
    });
    self->Accept();
  });
}

Server::Server(Database* db, ServerOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->db = db;
  impl_->options = std::move(options);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  if (impl_->started) return Status::InvalidArgument("the PostgreSQL listener is started already");
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::InvalidArgument("--pg: '" + impl_->options.address + "' is not an IP address");
  if (!impl_->options.credentials && !IsLoopback(addr)) {
    return Status::InvalidArgument(
        "--pg " + impl_->options.address +
        ": without credentials (an auth file) the PostgreSQL listener binds to loopback only");
  }
  auto acc = std::make_unique<tcp::acceptor>(impl_->io);
  const tcp::endpoint ep(addr, impl_->options.port);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("--pg " + impl_->options.address + ":" + std::to_string(impl_->options.port) +
                           ": cannot listen: " + ec.message());
  }
  impl_->bound_port = acc->local_endpoint().port();
  impl_->acceptor = std::move(acc);
  impl_->started = true;
  impl_->Accept();
  impl_->accept_thread = std::thread([impl = impl_] { impl->io.run(); });
  return Status::OK();
}

void Server::Stop() {
  if (!impl_->started || impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [impl = impl_] {
    boost::system::error_code ec;
    impl->acceptor->close(ec);
  });
  impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& [pid, c] : impl_->conns) {
      c.cancel->store(true);
      ::shutdown(c.fd, SHUT_RDWR);  // wakes a thread blocked on its socket
    }
    threads = std::move(impl_->threads);
    impl_->threads.clear();
  }
  for (std::thread& t : threads) t.join();
}

uint16_t Server::port() const { return impl_->bound_port; }

Server::Stats Server::stats() const { return {impl_->statements_bound.load(), impl_->prepared_reuses.load()}; }

int Server::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int open = 0;
  for (const auto& [p, c] : impl_->conns) open += c.counted;
  return open;
}

}  // namespace strata::pgwire
