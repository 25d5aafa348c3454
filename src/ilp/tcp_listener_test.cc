#include "ilp/tcp_listener.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "ilp/tcp_auth.h"
#include "strata/database.h"
#include "strata/query.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::ilp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using testing::TempDir;

struct ShmTmpDir {
  ShmTmpDir() {
    if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
  }
};

class TcpListenerTest : public ::testing::Test, ShmTmpDir {
 protected:
  void SetUp() override {
    root_ = dir_.Join("db");
    InitOptions init;
    init.fsync = "interval=10";
    ASSERT_OK(Database::Init(root_, init));
    strata::Options o;
    o.background_flush = false;
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(root_, o));
  }
  void TearDown() override {
    if (listener_) listener_->Stop();
  }

  void Start(TcpListenerOptions o = {}) {
    o.port = 0;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      logs_.emplace_back(line);
    };
    ASSERT_OK_AND_ASSIGN(listener_, TcpListener::Start(db_.get(), std::move(o)));
  }

  tcp::socket Connect() {
    tcp::socket s(io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener_->port()));
    return s;
  }

  // Reads until the server closes the connection; returns what it sent (nothing, in ILP).
  static std::string ReadUntilClosed(tcp::socket& s) {
    std::string got;
    char buf[256];
    boost::system::error_code ec;
    while (!ec) got.append(buf, s.read_some(asio::buffer(buf), ec));
    return got;
  }

  // Waits (bounded) until every accepted connection has ended.
  void WaitIdle(uint64_t accepted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      TcpListenerStats s = listener_->stats();
      if (s.connections_accepted >= accepted && s.connections_active == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL() << "connections did not end";
  }

  size_t CountRows(const std::string& table) {
    ScanRequest req;
    req.table = table;
    auto batches = db_->Scan(req);
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    size_t n = 0;
    if (batches.ok()) {
      for (const RecordBatch& b : *batches) n += b.num_rows();
    }
    return n;
  }

  std::vector<std::string> Logs() {
    std::lock_guard lock(mu_);
    return logs_;
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<TcpListener> listener_;
  asio::io_context io_;
  std::mutex mu_;
  std::vector<std::string> logs_;
};

TEST_F(TcpListenerTest, ABadLineKeepsTheRowsBeforeItAndClosesTheConnection) {
  Start();
  tcp::socket s = Connect();
  asio::write(s,
              asio::buffer(std::string("t,symbol=A v=1 1\nt,symbol=A v=2 2\nt,symbol=A v=bad 3\nt,symbol=A v=4 4\n")));
  EXPECT_EQ(ReadUntilClosed(s), "");
  WaitIdle(1);
  EXPECT_EQ(CountRows("t"), 2u);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("(connection 1): line 3: "), std::string::npos) << logs[0];
  EXPECT_NE(logs[0].find("'v'"), std::string::npos) << logs[0];
  EXPECT_NE(logs[0].find("2 rows before it kept; connection closed"), std::string::npos) << logs[0];
  EXPECT_EQ(listener_->stats().bad_lines, 1u);
}

TEST_F(TcpListenerTest, ALastLineWithoutNewlineCountsAtTheEndOfTheStream) {
  Start();
  {
    tcp::socket s = Connect();
    asio::write(s, asio::buffer(std::string("t,symbol=A v=1 1\nt,symbol=A v=2 2")));
    s.shutdown(tcp::socket::shutdown_send);
    EXPECT_EQ(ReadUntilClosed(s), "");
  }
  WaitIdle(1);
  EXPECT_EQ(CountRows("t"), 2u);
  EXPECT_EQ(listener_->stats().rows, 2u);
}

TEST_F(TcpListenerTest, RefusesConnectionsOverTheLimitOrNotApproved) {
  TcpListenerOptions o;
  o.max_connections = 1;
  o.approve = [](std::string_view peer) -> Status {
    static int calls = 0;
    if (++calls == 2) return Status::InvalidArgument("not allowed: " + std::string(peer));
    return Status::OK();
  };
  Start(o);
  tcp::socket first = Connect();
  // Make sure the first is being served before the second arrives: its row is committed.
  asio::write(first, asio::buffer(std::string("t,symbol=A v=1 1\n")));
  while (listener_->stats().rows < 1) std::this_thread::yield();
  tcp::socket second = Connect();
  EXPECT_EQ(ReadUntilClosed(second), "");  // closed at once: over the limit
  first.close();
  WaitIdle(1);
  tcp::socket third = Connect();  // the limit has room again, but approve refuses it
  EXPECT_EQ(ReadUntilClosed(third), "");
  TcpListenerStats st = listener_->stats();
  EXPECT_EQ(st.connections_refused, 2u);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_NE(logs[0].find("1 connections are open already"), std::string::npos) << logs[0];
  EXPECT_NE(logs[1].find("refused: not allowed: 127.0.0.1:"), std::string::npos) << logs[1];
}

// A challenge-response before the lines (as QuestDB's TCP auth does): the bytes the handshake
// read past its end reach the parser; a failed handshake closes the connection.
TEST_F(TcpListenerTest, HandshakeRunsBeforeTheLines) {
  TcpListenerOptions o;
  o.handshake = [](TcpHandshake& h) -> Status {
    std::string got;
    char buf[64];
    auto read_line = [&]() -> Result<std::string> {
      for (;;) {
        if (size_t nl = got.find('\n'); nl != std::string::npos) {
          std::string line = got.substr(0, nl);
          got.erase(0, nl + 1);
          return line;
        }
        ASSIGN_OR_RETURN(size_t n, h.read(buf, sizeof buf));
        if (n == 0) return Status::InvalidArgument("the client left");
        got.append(buf, n);
      }
    };
    ASSIGN_OR_RETURN(std::string key, read_line());
    RETURN_IF_ERROR(h.write("challenge-for-" + key + "\n"));
    ASSIGN_OR_RETURN(std::string signature, read_line());
    if (signature != "signed-" + key) return Status::InvalidArgument("bad signature for key " + key);
    h.leftover = got;
    return Status::OK();
  };
  Start(o);
  auto session = [&](const std::string& key, const std::string& signature) {
    tcp::socket s = Connect();
    asio::write(s, asio::buffer(key + "\n"));
    asio::streambuf challenge;
    asio::read_until(s, challenge, '\n');
    asio::write(s, asio::buffer(signature + "\nt,symbol=A v=1 1\nt,symbol=A v=2 2\n"));
    s.shutdown(tcp::socket::shutdown_send);
    return ReadUntilClosed(s);
  };
  EXPECT_EQ(session("k1", "signed-k1"), "");
  EXPECT_EQ(session("k2", "forged"), "");
  WaitIdle(2);
  EXPECT_EQ(CountRows("t"), 2u);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("refused by the handshake: bad signature for key k2"), std::string::npos) << logs[0];
}

// still_allowed runs before the lines of each read: once it refuses the handshake's identity (an
// auth reload revoked the key), the connection is closed and nothing more of it is stored.
TEST_F(TcpListenerTest, AnIdentityRevokedAfterTheHandshakeStoresNothingMore) {
  std::atomic<bool> revoked{false};
  TcpListenerOptions o;
  o.handshake = [](TcpHandshake& h) -> Status {
    std::string got;
    char buf[64];
    while (got.find('\n') == std::string::npos) {
      ASSIGN_OR_RETURN(size_t n, h.read(buf, sizeof buf));
      if (n == 0) return Status::InvalidArgument("the client left");
      got.append(buf, n);
    }
    h.identity = got.substr(0, got.find('\n'));
    h.leftover = got.substr(got.find('\n') + 1);
    return Status::OK();
  };
  o.still_allowed = [&revoked](std::string_view identity) -> Status {
    if (revoked.load()) return Status::InvalidArgument("key " + std::string(identity) + " was revoked");
    return Status::OK();
  };
  Start(o);
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("k1\n")));
  asio::write(s, asio::buffer(std::string("t,symbol=A v=1 1\nt,symbol=A v=2 2\n")));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (listener_->stats().rows < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(listener_->stats().rows, 2u);
  revoked = true;
  asio::write(s, asio::buffer(std::string("t,symbol=A v=3 3\n")));
  EXPECT_EQ(ReadUntilClosed(s), "");  // closed by the server, not by us
  WaitIdle(1);
  EXPECT_EQ(CountRows("t"), 2u);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("key k1 was revoked; connection closed, 2 rows before kept"), std::string::npos) << logs[0];
}

// QuestDB's exchange (key id, challenge, base64 signature), with a stand-in verifier: the
// "signature" of key k is "k:" + the challenge (the ECDSA check itself is src/auth/ecdsa_test.cc,
// the real client tests/server_cli_test.cc).
class QuestDbAuthTest : public TcpListenerTest {
 protected:
  void StartWithAuth(int timeout_ms = 10000) {
    TcpListenerOptions o;
    o.handshake_timeout_ms = timeout_ms;
    o.handshake = [](TcpHandshake& h) {
      return QuestDbAuthHandshake(h, [](std::string_view key, std::string_view challenge, std::string_view sig) {
        if (key != "k1" && key != "k2") return Status::InvalidArgument("unknown key id " + QuoteForMessage(key, 40));
        if (sig != std::string(key) + ":" + std::string(challenge)) {
          return Status::InvalidArgument("key " + std::string(key) + ": the signature does not verify");
        }
        return Status::OK();
      });
    };
    Start(o);
  }
  static std::string Base64(std::string_view in) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
      acc = (acc << 8) | c;
      bits += 8;
      while (bits >= 6) out.push_back(a[(acc >> (bits -= 6)) & 63]);
    }
    if (bits > 0) out.push_back(a[(acc << (6 - bits)) & 63]);
    while (out.size() % 4 != 0) out.push_back('=');
    return out;
  }
  // One session: sends the key id, reads the challenge, answers (sign(challenge)), then lines.
  std::string Session(const std::string& key, const std::function<std::string(const std::string&)>& sign,
                      std::string* challenge_out = nullptr,
                      const std::string& lines = "t,symbol=A v=1 1\nt,symbol=A v=2 2\n") {
    tcp::socket s = Connect();
    asio::write(s, asio::buffer(key + "\n"));
    asio::streambuf buf;
    boost::system::error_code ec;
    const size_t n = asio::read_until(s, buf, '\n', ec);
    if (ec) return "no challenge: " + ec.message();
    std::string challenge(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n - 1);
    if (challenge_out) *challenge_out = challenge;
    asio::write(s, asio::buffer(Base64(sign(challenge)) + "\n" + lines), ec);
    s.shutdown(tcp::socket::shutdown_send, ec);
    return ReadUntilClosed(s);
  }
};

TEST_F(QuestDbAuthTest, SignedChallengeLetsTheLinesIn) {
  StartWithAuth();
  std::string c1, c2;
  EXPECT_EQ(Session(
                "k1", [](const std::string& c) { return "k1:" + c; }, &c1),
            "");
  EXPECT_EQ(Session(
                "k2", [](const std::string& c) { return "k2:" + c; }, &c2, "t,symbol=B v=3 3\nt,symbol=B v=4 4"),
            "");
  WaitIdle(2);
  EXPECT_EQ(CountRows("t"), 4u);
  EXPECT_TRUE(Logs().empty()) << Logs()[0];
  // 512 random letters and digits, a new one each time.
  EXPECT_EQ(c1.size(), 512u);
  EXPECT_EQ(c1.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
  EXPECT_NE(c1, c2);
}

TEST_F(QuestDbAuthTest, WrongSignatureUnknownKeyAndNoAuthAreClosedWithNothingStored) {
  StartWithAuth();
  // Signed with another key's "key", or a stale challenge.
  EXPECT_EQ(Session("k1", [](const std::string& c) { return "k2:" + c; }), "");
  EXPECT_EQ(Session("k1", [](const std::string&) { return std::string("k1:old challenge"); }), "");
  EXPECT_EQ(Session("nobody", [](const std::string& c) { return "nobody:" + c; }), "");
  // A client without auth: its first line is taken as the key id.
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("t,symbol=A v=1 1\nt,symbol=A v=2 2\n")));
  s.shutdown(tcp::socket::shutdown_send);
  const std::string answer = ReadUntilClosed(s);
  EXPECT_EQ(answer.size(), 513u);  // a challenge, then the close
  // A client sending one endless line: refused at max_line_bytes, not buffered.
  tcp::socket big = Connect();
  boost::system::error_code ec;
  asio::write(big, asio::buffer(std::string(4096, 'x')), ec);
  EXPECT_EQ(ReadUntilClosed(big), "");
  WaitIdle(5);
  EXPECT_FALSE(db_->GetTable("t").ok()) << "a refused connection stored rows";
  EXPECT_EQ(listener_->stats().connections_refused, 5u);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 5u);
  EXPECT_NE(logs[0].find("refused by the handshake: key k1: the signature does not verify"), std::string::npos)
      << logs[0];
  EXPECT_NE(logs[1].find("key k1: the signature does not verify"), std::string::npos) << logs[1];
  EXPECT_NE(logs[2].find("unknown key id 'nobody'"), std::string::npos) << logs[2];
  EXPECT_NE(logs[3].find("key 't,symbol=A v=1 1': the answer to the challenge is not base64 (a client without "
                         "authentication?)"),
            std::string::npos)
      << logs[3];
  for (const std::string& l : logs) EXPECT_EQ(l.find("v=2"), std::string::npos) << "only the key id is logged: " << l;
  EXPECT_NE(logs[4].find("no key id within 1024 bytes"), std::string::npos) << logs[4];
}

TEST_F(QuestDbAuthTest, AClientThatSaysNothingIsClosedAfterTheTimeout) {
  StartWithAuth(/*timeout_ms=*/50);
  tcp::socket s = Connect();
  EXPECT_EQ(ReadUntilClosed(s), "");  // returns because the server closes it
  WaitIdle(1);
  std::vector<std::string> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("the handshake took longer than 50 ms"), std::string::npos) << logs[0];
}

TEST_F(TcpListenerTest, OverBudgetStopsReadingUntilThereIsRoom) {
  std::mutex mu;
  std::condition_variable cv;
  bool over = true;
  int checks = 0;
  TcpListenerOptions o;
  o.backpressure_check_ms = 1;
  o.over_budget = [&] {
    std::lock_guard lock(mu);
    ++checks;
    cv.notify_all();
    return over;
  };
  Start(o);
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("t,symbol=A v=1 1\nt,symbol=A v=2 2\n")));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return checks >= 3; });  // the connection is waiting, not reading
  }
  EXPECT_EQ(listener_->stats().bytes, 0u);
  EXPECT_FALSE(db_->GetTable("t").ok());
  EXPECT_GE(listener_->stats().backpressure_waits, 1u);
  {
    std::lock_guard lock(mu);
    over = false;
  }
  s.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(ReadUntilClosed(s), "");
  WaitIdle(1);
  EXPECT_EQ(CountRows("t"), 2u);  // nothing dropped
}

TEST_F(TcpListenerTest, StopCommitsCompleteLinesOfOpenConnections) {
  Start();
  tcp::socket s = Connect();
  const std::string text = "t,symbol=A v=1 1\nt,symbol=A v=2 2\nt,symbol=A v=3";
  asio::write(s, asio::buffer(text));
  while (listener_->stats().bytes < text.size()) std::this_thread::yield();
  listener_->Stop();
  EXPECT_EQ(CountRows("t"), 2u);  // the partial third line is not a line
  EXPECT_EQ(listener_->stats().connections_active, 0u);
}

// The real client: QuestDB's Node.js client over TCP, two connections at once into one
// auto-created table; every row comes back through the query engine as it was sent.
TEST_F(TcpListenerTest, QuestDbNodeClientRowsComeBackExactly) {
  const std::string npm = testing::NpmDir();
  ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed";
  ASSERT_TRUE(std::filesystem::exists(npm + "/node_modules/@questdb/nodejs-client"))
      << "npm package @questdb/nodejs-client is missing -- run tools/interop/setup.sh (it installs into " << npm << ")";
  namespace fs = std::filesystem;
  fs::path script =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "tools" / "interop" / "questdb_ilp_send.mjs";
  if (!fs::exists(script)) script = fs::current_path() / "tools" / "interop" / "questdb_ilp_send.mjs";
  fs::copy_file(script, fs::path(npm) / "questdb_ilp_send.mjs", fs::copy_options::overwrite_existing);
  Start();
  const int64_t per_connection = testing::Sanitized() ? 5'000 : 50'000;
  ASSERT_OK_AND_ASSIGN(std::string out,
                       testing::RunNode(npm, "questdb_ilp_send.mjs " + std::to_string(listener_->port()) + " " +
                                                 std::to_string(per_connection) + " 2"));
  WaitIdle(2);
  EXPECT_TRUE(Logs().empty()) << Logs()[0];
  ASSERT_OK_AND_ASSIGN(TableDef def, db_->GetTable("trades"));
  EXPECT_EQ(def.schema.ToString(),
            "ts:timestamp,symbol:symbol,exchange:string?,price:f64?,size:i64?,side:bool?,note:string?");

  query::LogicalPlan plan;
  plan.table = "trades";
  plan.merge = true;
  ASSERT_OK_AND_ASSIGN(auto stream, query::Execute(db_.get(), plan));
  const int64_t base = 1772461800000000000;
  int64_t expected_k = 0;
  RecordBatch b;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(bool more, stream->Next(&b));
    if (!more) break;
    for (size_t r = 0; r < b.num_rows(); ++r, ++expected_k) {
      const int64_t ts = b.column(0).int64s()[r];
      ASSERT_EQ(ts, base + expected_k * 1000) << "row " << expected_k;
      const int64_t i = expected_k % per_connection;
      ASSERT_EQ(b.column(1).GetString(r), "S" + std::to_string(i % 7));
      ASSERT_EQ(b.column(2).GetString(r), "X" + std::to_string(i % 3));
      ASSERT_EQ(b.column(3).doubles()[r], 100 + static_cast<double>(i % 1000) / 4);
      ASSERT_EQ(b.column(4).int64s()[r], i);
      ASSERT_EQ(b.column(5).bools()[r], i % 2 == 0 ? 1 : 0);
      if (i % 10 == 0) {
        ASSERT_EQ(b.column(6).GetString(r), "n " + std::to_string(i) + ", \"q\" \\ x=y\nz");
      } else {
        ASSERT_TRUE(b.column(6).IsNull(r)) << "row " << expected_k;
      }
    }
  }
  EXPECT_EQ(expected_k, 2 * per_connection);
  EXPECT_EQ(listener_->stats().rows, static_cast<uint64_t>(2 * per_connection));
}

}  // namespace
}  // namespace strata::ilp
