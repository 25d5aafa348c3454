#include "ilp/tcp_listener.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::ilp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class TcpListenerImpl final : public TcpListener {
 public:
  TcpListenerImpl(Database* db, TcpListenerOptions options) : db_(db), options_(std::move(options)), acceptor_(io_) {}
  ~TcpListenerImpl() override { Stop(); }

  Status Listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return Status::InvalidArgument("ILP listen address '" + options_.address + "': " + ec.message());
    tcp::endpoint endpoint(address, options_.port);
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::IOError("cannot listen for ILP on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    acceptor_thread_ = std::thread([this] { io_.run(); });
    return Status::OK();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    std::lock_guard stop(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_.store(true, std::memory_order_release);
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    io_.stop();
    if (acceptor_thread_.joinable()) acceptor_thread_.join();
    std::list<Connection> all;
    {
      std::lock_guard lock(mu_);
      // Wake every blocked read: it returns an error and the connection commits and ends.
      for (Connection& c : connections_) ::shutdown(c.socket->native_handle(), SHUT_RDWR);
      all.swap(connections_);
    }
    for (Connection& c : all) c.thread.join();
  }

  TcpListenerStats stats() const override {
    TcpListenerStats s;
    s.connections_accepted = accepted_.load();
    s.connections_refused = refused_.load();
    s.connections_active = active_.load();
    s.bad_lines = bad_lines_.load();
    s.rows = rows_.load();
    s.bytes = bytes_.load();
    s.backpressure_waits = waits_.load();
    return s;
  }

 private:
  struct Connection {
    uint64_t id;
    std::unique_ptr<tcp::socket> socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void Log(const std::string& msg) {
    if (options_.log) {
      options_.log(msg);
    } else {
      std::fprintf(stderr, "strata: %s\n", msg.c_str());
    }
  }

  bool OverBudget() {
    if (options_.over_budget) return options_.over_budget();
    const HotMemoryUse use = db_->HotMemory();
    return use.budget_bytes > 0 && use.used_bytes > use.budget_bytes;
  }

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec || stopping_.load(std::memory_order_acquire)) {
        if (!stopping_.load() && ec != asio::error::operation_aborted) {
          Log("ilp tcp: accept failed: " + ec.message());
          Accept();
        }
        return;
      }
      OnAccepted(std::move(socket));
      Accept();
    });
  }

  void OnAccepted(tcp::socket socket) {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    const std::string peer = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
    std::lock_guard lock(mu_);
    // Reap connections that ended.
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->done.load(std::memory_order_acquire)) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    if (connections_.size() >= options_.max_connections) {
      ++refused_;
      Log("ilp tcp " + peer + ": refused, " + std::to_string(options_.max_connections) +
          " connections are open already (the limit)");
      socket.close(ec);
      return;
    }
    if (options_.approve) {
      Status ok = options_.approve(peer);
      if (!ok.ok()) {
        ++refused_;
        Log("ilp tcp " + peer + ": refused: " + ok.message());
        socket.close(ec);
        return;
      }
    }
    ++accepted_;
    ++active_;
    Connection& c = connections_.emplace_back();
    c.id = ++next_id_;
    c.socket = std::make_unique<tcp::socket>(std::move(socket));
    c.socket->set_option(tcp::no_delay(true), ec);
    c.thread = std::thread([this, &c, peer] {
      Serve(c, peer);
      --active_;
      c.done.store(true, std::memory_order_release);
    });
  }

  void Serve(Connection& c, const std::string& peer) {
    const std::string who = "ilp tcp " + peer + " (connection " + std::to_string(c.id) + ")";
    StreamWriter writer(db_, options_.ilp);
    WriteResult result;
    std::vector<char> buf(std::max<size_t>(options_.read_buffer_bytes, 4096));
    tcp::socket& socket = *c.socket;
    Status st;
    std::string identity;
    bool check_identity = false;
    if (options_.handshake) {
      TcpHandshake h;
      h.peer = peer;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.handshake_timeout_ms);
      h.read = [&socket, deadline, this](char* out, size_t n) -> Result<size_t> {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{socket.native_handle(), POLLIN, 0};
        const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready == 0) {
          return Status::IOError("the handshake took longer than " + std::to_string(options_.handshake_timeout_ms) +
                                 " ms");
        }
        boost::system::error_code ec;
        const size_t got = socket.read_some(asio::buffer(out, n), ec);
        if (ec == asio::error::eof) return got;
        if (ec) return Status::IOError(ec.message());
        return got;
      };
      h.write = [&socket](std::string_view bytes) -> Status {
        boost::system::error_code ec;
        asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
        return ec ? Status::IOError(ec.message()) : Status::OK();
      };
      Status ok = options_.handshake(h);
      if (!ok.ok()) {
        ++refused_;
        Log(who + ": refused by the handshake: " + ok.message());
        boost::system::error_code ec;
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
      identity = std::move(h.identity);
      check_identity = static_cast<bool>(options_.still_allowed);
      // Lines that came with the handshake's last bytes: committed now, as any read that empties
      // the socket is (the client may send nothing more for a while).
      if (!h.leftover.empty()) st = writer.Feed(h.leftover, &result);
      if (!h.leftover.empty() && st.ok()) st = writer.Commit(&result);
    }
    uint64_t committed = 0;
    auto count_rows = [&] {
      rows_ += result.rows - committed;
      committed = result.rows;
    };
    count_rows();
    while (st.ok() && !stopping_.load(std::memory_order_acquire)) {
      if (OverBudget()) {
        // Commit what is pending, then stop reading until the flusher has made room.
        st = writer.Commit(&result);
        count_rows();
        if (!st.ok()) break;
        ++waits_;
        while (OverBudget() && !stopping_.load(std::memory_order_acquire)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(options_.backpressure_check_ms));
        }
        continue;
      }
      boost::system::error_code ec;
      const size_t n = socket.read_some(asio::buffer(buf), ec);
      if (n > 0 && check_identity) {
        if (Status allowed = options_.still_allowed(identity); !allowed.ok()) {
          Log(who + ": " + allowed.message() + "; connection closed, " + std::to_string(result.rows) +
              " rows before kept, the rest not stored");
          boost::system::error_code ignored;
          socket.shutdown(tcp::socket::shutdown_both, ignored);
          return;
        }
      }
      if (n > 0) {
        bytes_ += n;
        st = writer.Feed(std::string_view(buf.data(), n), &result);
        count_rows();
        if (!st.ok()) break;
      }
      if (ec) {
        // End of stream (or Stop's shutdown): the last line may lack its '\n'.
        // A Stop's shutdown also reads as the end: then a partial line is not a line.
        const bool ended = ec == asio::error::eof && !stopping_.load(std::memory_order_acquire);
        st = ended ? writer.Finish(&result) : writer.Commit(&result);
        count_rows();
        break;
      }
      if (socket.available(ec) == 0 || ec) {
        st = writer.Commit(&result);
        count_rows();
        if (!st.ok()) break;
      }
    }
    if (stopping_.load(std::memory_order_acquire) && st.ok()) {
      st = writer.Commit(&result);
      count_rows();
    }
    if (!st.ok()) {
      if (result.error_line > 0) {
        ++bad_lines_;
        Log(who + ": line " + std::to_string(result.error_line) + ": " + result.error_reason + "; " +
            std::to_string(result.rows) + " rows before it kept; connection closed");
      } else {
        Log(who + ": " + st.ToString() + "; connection closed");
      }
    }
    // Closed when the connection is reaped (under mu_), so Stop never shuts down a reused fd.
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  Database* db_;
  const TcpListenerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread acceptor_thread_;
  uint16_t port_ = 0;
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::list<Connection> connections_;  // guarded by mu_
  uint64_t next_id_ = 0;               // guarded by mu_
  std::atomic<uint64_t> accepted_{0}, refused_{0}, active_{0}, bad_lines_{0}, rows_{0}, bytes_{0}, waits_{0};
};

}  // namespace

Result<std::unique_ptr<TcpListener>> TcpListener::Start(Database* db, TcpListenerOptions options) {
  auto listener = std::make_unique<TcpListenerImpl>(db, std::move(options));
  RETURN_IF_ERROR(listener->Listen());
  return std::unique_ptr<TcpListener>(std::move(listener));
}

}  // namespace strata::ilp
