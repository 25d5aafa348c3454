#include "server/http.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <limits>
#include <list>
#include <semaphore>

namespace strata::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view SV(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view BV(std::string_view s) { return {s.data(), s.size()}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string HttpRequest::Param(std::string_view name) const {
  std::string v;
  for (const auto& [k, val] : params) {
    if (k == name) v = val;
  }
  return v;
}

bool HttpRequest::HasParam(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return true;
  }
  return false;
}

std::vector<std::string> HttpRequest::Params(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

struct HttpServer::Impl {
  HttpServerOptions options;
  AdmitFn admit;
  HandleFn handle;
  ObserveFn observe;
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<ssl::context> tls;
  std::counting_semaphore<1 << 20> slots{1};
  std::thread accept_thread, reaper_thread;

  struct Conn {
    int fd = -1;
    bool idle = true;  // waiting for a request
    std::chrono::steady_clock::time_point idle_since;
    std::thread thread;
    bool done = false;
    // When the write in progress started (steady clock ns), 0 when not writing: the reaper cuts
    // a client that stops reading for write_timeout_s.
    std::atomic<int64_t> writing_since{0};
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::list<Conn> conns;  // guarded by mu

  explicit Impl(int threads) : slots(threads) {}

  void Log(const std::string& line) {
    if (options.log) options.log(line);
  }

  void JoinFinishedLocked(std::vector<std::thread>* to_join) {
    for (auto it = conns.begin(); it != conns.end();) {
      if (it->done) {
        to_join->push_back(std::move(it->thread));
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }

  void AcceptLoop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      std::vector<std::thread> finished;
      std::unique_lock lock(mu);
      JoinFinishedLocked(&finished);
      if (stopping) {
        lock.unlock();
        for (auto& t : finished) t.join();
        return;
      }
      if (ec) {
        lock.unlock();
        for (auto& t : finished) t.join();
        Log(options.name + ": accept failed: " + ec.message());
        if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
          std::unique_lock l2(mu);
          cv.wait_for(l2, std::chrono::milliseconds(100), [&] { return stopping; });
        }
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (static_cast<int>(conns.size()) >= options.max_connections) {
        lock.unlock();
        static const char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Content-Length: 74\r\n\r\n{\"code\":\"busy\",\"message\":\"too many connections (--max-connections)\"}   "
            " ";
        net::write(socket, net::buffer(kBusy, sizeof kBusy - 1), ec);
        socket.close(ec);
        for (auto& t : finished) t.join();
        continue;
      }
      conns.emplace_back();
      auto it = std::prev(conns.end());
      it->fd = socket.native_handle();
      it->idle_since = std::chrono::steady_clock::now();
      it->thread = std::thread([this, it, s = std::move(socket)]() mutable { RunConnection(it, std::move(s)); });
      lock.unlock();
      for (auto& t : finished) t.join();
    }
  }

  void ReaperLoop() {
    std::unique_lock lock(mu);
    while (!stopping) {
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; });
      const auto now = std::chrono::steady_clock::now();
      for (Conn& c : conns) {
        if (c.done || c.fd < 0) continue;
        const int64_t writing = c.writing_since.load();
        const bool idle_too_long = c.idle && now - c.idle_since > std::chrono::seconds(options.idle_timeout_s);
        const bool write_stuck =
            writing != 0 &&
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() - writing >
                std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::seconds(options.write_timeout_s))
                    .count();
        if (idle_too_long || write_stuck) {
          if (write_stuck)
            Log(options.name + ": cut a client that stopped reading for " + std::to_string(options.write_timeout_s) +
                " s");
          ::shutdown(c.fd, SHUT_RDWR);
          c.fd = -1;
        }
      }
    }
  }

  // Marks the connection idle (waiting for a request) or busy; false when the server stops and
  // an idle connection should end.
  bool SetIdle(std::list<Conn>::iterator it, bool idle) {
    std::lock_guard lock(mu);
    it->idle = idle;
    if (idle) it->idle_since = std::chrono::steady_clock::now();
    return !(idle && stopping);
  }

  void RunConnection(std::list<Conn>::iterator it, tcp::socket socket) {
    beast::error_code ec;
    std::string peer;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string() + ":" + std::to_string(ep.port());
    if (tls) {
      beast::ssl_stream<tcp::socket&> stream(socket, *tls);
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) {
        Serve(stream, it, peer);
        stream.shutdown(ec);
      }
    } else {
      Serve(socket, it, peer);
    }
    {
      std::lock_guard lock(mu);
      it->fd = -1;
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
      it->done = true;
    }
    cv.notify_all();
  }

  template <class Stream>
  void Serve(Stream& stream, std::list<Conn>::iterator it, const std::string& peer);
};

namespace {

// Sets the connection's "writing since" clock for the duration of a write (the reaper cuts a
// client that takes no byte for write_timeout_s).
struct WriteGuard {
  std::atomic<int64_t>* since;
  explicit WriteGuard(std::atomic<int64_t>* s) : since(s) {
    if (since) {
      since->store(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
              .count());
    }
  }
  ~WriteGuard() {
    if (since) since->store(0);
  }
};

template <class Stream>
class WebSocket final : public WebSocketChannel {
 public:
  WebSocket(Stream& stream, std::atomic<int64_t>* writing_since) : ws_(stream), writing_since_(writing_since) {}

  bool Accept(const http::request<http::empty_body>& head) {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "strata"); }));
    ws_.auto_fragment(false);
    beast::error_code ec;
    ws_.accept(head, ec);
    if (ec) return false;
    ws_.text(true);
    return true;
  }

  bool SendText(std::string_view text) override {
    if (failed_) return false;
    beast::error_code ec;
    WriteGuard guard(writing_since_);
    ws_.write(net::const_buffer(text.data(), text.size()), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool Poll() override {
    while (!failed_) {
      pollfd p{beast::get_lowest_layer(ws_).native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;  // nothing to read (a partial frame is read whole below)
      beast::error_code ec;
      beast::flat_buffer ignored;
      ws_.read(ignored, ec);
      if (ec) failed_ = true;
    }
    return !failed_;
  }

  void Close(int code, std::string_view reason) override {
    if (failed_) return;
    failed_ = true;
    websocket::close_reason cr(static_cast<websocket::close_code>(code));
    cr.reason = std::string(reason.substr(0, 123));
    beast::error_code ec;
    WriteGuard guard(writing_since_);
    ws_.close(cr, ec);
  }

 private:
  websocket::stream<Stream&> ws_;
  std::atomic<int64_t>* writing_since_;
  bool failed_ = false;
};

template <class Stream>
class Responder : public HttpResponder {
 public:
  Responder(Stream& stream, bool keep_alive, std::atomic<int64_t>* writing_since = nullptr)
      : stream_(stream), keep_alive_(keep_alive), writing_since_(writing_since) {}

  // The request's header, for a WebSocket upgrade (null when the request had a body), and what
  // cuts the connection.
  void set_upgrade(const http::request<http::empty_body>* head, std::function<void()> cancel) {
    head_ = head;
    cancel_ = std::move(cancel);
  }

  bool WantsWebSocket() const override { return head_ != nullptr && websocket::is_upgrade(*head_); }

  std::unique_ptr<WebSocketChannel> AcceptWebSocket() override {
    if (started_ || !WantsWebSocket()) return nullptr;
    started_ = true;
    status_ = 101;
    keep_alive_ = false;
    auto ws = std::make_unique<WebSocket<Stream>>(stream_, writing_since_);
    if (!ws->Accept(*head_)) {
      failed_ = true;
      return nullptr;
    }
    return ws;
  }

  std::function<void()> Canceller() override {
    return cancel_ ? cancel_ : [] {};
  }

  void Send(int status, std::string_view content_type, std::string_view body, const HttpHeaders& extra) override {
    if (started_) return;
    started_ = true;
    status_ = status;
    http::response<http::span_body<const char>> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "strata");
    res.set(http::field::content_type, BV(content_type));
    for (const auto& [k, v] : extra) res.set(BV(k), BV(v));
    res.keep_alive(keep_alive_);
    res.body() = boost::beast::span<const char>(body.data(), body.size());
    res.prepare_payload();
    beast::error_code ec;
    WriteGuard guard(writing_since_);
    http::write(stream_, res, ec);
    if (ec) failed_ = true;
  }

  bool Begin(int status, std::string_view content_type, const HttpHeaders& extra) override {
    if (started_) return false;
    started_ = true;
    status_ = status;
    streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "strata");
    res.set(http::field::content_type, BV(content_type));
    for (const auto& [k, v] : extra) res.set(BV(k), BV(v));
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(stream_, sr, ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool Write(std::string_view data) override {
    if (failed_ || !streaming_) return false;
    if (data.empty()) return true;
    beast::error_code ec;
    WriteGuard guard(writing_since_);
    net::write(stream_, http::make_chunk(net::const_buffer(data.data(), data.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool End() override {
    if (failed_ || !streaming_) return false;
    beast::error_code ec;
    net::write(stream_, http::make_chunk_last(), ec);
    streaming_ = false;
    if (ec) failed_ = true;
    return !failed_;
  }

  bool started() const override { return started_; }
  void Abort() override { failed_ = true; }

  bool reusable() const { return keep_alive_ && !failed_ && !streaming_ && started_; }
  int status() const { return status_; }

 private:
  Stream& stream_;
  bool keep_alive_;
  std::atomic<int64_t>* writing_since_;
  bool started_ = false, streaming_ = false, failed_ = false;
  int status_ = 0;
  const http::request<http::empty_body>* head_ = nullptr;
  std::function<void()> cancel_;
};

}  // namespace

template <class Stream>
void HttpServer::Impl::Serve(Stream& stream, std::list<Conn>::iterator it, const std::string& peer) {
  beast::flat_buffer buffer;
  for (;;) {
    if (!SetIdle(it, true)) return;
    http::request_parser<http::empty_body> head_parser;
    head_parser.header_limit(64 * 1024);
    // The body's limit is set once the route is known. (Not boost::none: Beast 1.74 compares a
    // Content-Length with an empty optional as "over the limit".)
    head_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::error_code ec;
    http::read_header(stream, buffer, head_parser, ec);
    if (ec) return;  // closed, cut by Stop or the idle reaper, or a malformed request
    SetIdle(it, false);
    const auto start = std::chrono::steady_clock::now();
    const auto& h = head_parser.get();

    HttpRequest req;
    req.method = std::string(SV(h.method_string()));
    req.target = std::string(SV(h.target()));
    req.peer = peer;
    for (const auto& f : h) req.headers.emplace_back(Lower(SV(f.name_string())), std::string(SV(f.value())));
    bool bad = false;
    {
      std::string_view target = req.target;
      const size_t q = target.find('?');
      if (!PercentDecode(target.substr(0, q), false, &req.path)) bad = true;
      if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        while (!query.empty()) {
          size_t amp = query.find('&');
          std::string_view pair = query.substr(0, amp);
          query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
          if (pair.empty()) continue;
          size_t eq = pair.find('=');
          std::string k, v;
          if (!PercentDecode(pair.substr(0, eq), true, &k)) bad = true;
          if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &v)) bad = true;
          req.params.emplace_back(std::move(k), std::move(v));
        }
      }
    }
    const bool keep_alive = h.keep_alive();
    Responder<Stream> responder(stream, keep_alive, &it->writing_since);
    Admission adm;
    if (bad) {
      adm.status = 400;
      adm.error_body = R"({"code":"bad_request","message":"malformed percent-escape in the request target"})";
    } else {
      adm = admit(req);
    }
    const auto content_length = head_parser.content_length();
    const bool has_body = (content_length && *content_length > 0) || head_parser.chunked();
    if (adm.status == 0 && has_body && adm.body_limit > 0 && content_length && *content_length > adm.body_limit) {
      adm.status = 413;
      adm.error_body = R"({"code":"too_large","message":"the request body is over the limit of )" +
                       std::to_string(adm.body_limit) + R"( bytes"})";
    }
    if (adm.status != 0) {
      // The body is not read: answer and close (unless there is none to skip).
      Responder<Stream> r(stream, keep_alive && !has_body);
      r.Send(adm.status, "application/json", adm.error_body, adm.error_headers);
      if (observe)
        observe(req, adm.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (!r.reusable()) return;
      continue;
    }
    if (has_body) {
      if (Lower(req.Header("expect")) == "100-continue") {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        net::write(stream, net::buffer(kContinue, sizeof kContinue - 1), ec);
        if (ec) return;
      }
      const uint64_t limit = adm.body_limit > 0 ? adm.body_limit : (1u << 20);
      if (!adm.body_file.empty()) {
        http::request_parser<http::file_body> parser{std::move(head_parser)};
        parser.body_limit(limit);
        parser.get().body().open(adm.body_file.c_str(), beast::file_mode::write, ec);
        if (!ec) http::read(stream, buffer, parser, ec);
        req.body_file = adm.body_file;
        req.body_bytes = parser.get().body().size();
      } else {
        http::request_parser<http::string_body> parser{std::move(head_parser)};
        parser.body_limit(limit);
        http::read(stream, buffer, parser, ec);
        req.body = std::move(parser.get().body());
        req.body_bytes = req.body.size();
      }
      if (ec && !adm.body_file.empty()) ::unlink(adm.body_file.c_str());  // a cut or refused upload
      if (ec == http::error::body_limit) {
        Responder<Stream> r(stream, false);
        r.Send(413, "application/json",
               R"({"code":"too_large","message":"the request body is over the limit of )" + std::to_string(limit) +
                   R"( bytes"})",
               {});
        if (observe) observe(req, 413, 0);
        return;
      }
      if (ec) return;
      if (adm.body_limit == 0) req.body.clear();
    }
    responder.set_upgrade(has_body ? nullptr : &h, [this, it] {
      std::lock_guard lock(mu);
      if (it->fd >= 0) ::shutdown(it->fd, SHUT_RDWR);
    });
    if (adm.long_lived) {
      handle(req, responder);
    } else {
      slots.acquire();
      struct Release {
        std::counting_semaphore<1 << 20>* s;
        ~Release() { s->release(); }
      } release{&slots};
      handle(req, responder);
    }
    if (!responder.started()) {
      responder.Send(500, "application/json", R"({"code":"internal","message":"the handler sent no response"})", {});
    }
    if (observe)
      observe(req, responder.status(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!responder.reusable()) return;
    std::lock_guard lock(mu);
    if (stopping) return;
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options, AdmitFn admit, HandleFn handle,
                                                      ObserveFn observe) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->options_ = options;
  server->impl_ = std::make_unique<Impl>(std::max(1, options.threads));
  Impl* impl = server->impl_.get();
  impl->options = options;
  impl->admit = std::move(admit);
  impl->handle = std::move(handle);
  impl->observe = std::move(observe);
  const std::string where = options.name + " on " + options.address + ":" + std::to_string(options.port);
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return Status::InvalidArgument("--tls-cert and --tls-key go together");
    }
    impl->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    impl->tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) return Status::InvalidArgument("--tls-cert " + options.tls_cert_file + ": " + ec.message());
    impl->tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("--tls-key " + options.tls_key_file + ": " + ec.message());
  }
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  auto results = resolver.resolve(options.address, std::to_string(options.port), ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument("cannot resolve " + options.address + " for " + where + ": " + ec.message());
  }
  const tcp::endpoint endpoint = *results.begin();
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen for " + where + ": " + ec.message());
  server->port_ = impl->acceptor.local_endpoint().port();
  impl->accept_thread = std::thread([impl] { impl->AcceptLoop(); });
  impl->reaper_thread = std::thread([impl] { impl->ReaperLoop(); });
  return server;
}

int HttpServer::open_connections() const {
  std::lock_guard lock(impl_->mu);
  int n = 0;
  for (const auto& c : impl_->conns) n += c.done ? 0 : 1;
  return n;
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (!impl_) return;
  Impl* impl = impl_.get();
  {
    std::lock_guard lock(impl->mu);
    if (impl->stopping) return;
    impl->stopping = true;
    // Wakes the blocked accept (Linux: shutdown of a listening socket ends accept with EINVAL).
    ::shutdown(impl->acceptor.native_handle(), SHUT_RDWR);
    for (auto& c : impl->conns) {
      if (!c.done && c.idle && c.fd >= 0) ::shutdown(c.fd, SHUT_RD);
    }
  }
  impl->cv.notify_all();
  if (impl->accept_thread.joinable()) impl->accept_thread.join();
  if (impl->reaper_thread.joinable()) impl->reaper_thread.join();
  std::unique_lock lock(impl->mu);
  auto all_done = [&] {
    for (const auto& c : impl->conns) {
      if (!c.done) return false;
    }
    return true;
  };
  if (!impl->cv.wait_for(lock, grace, all_done)) {
    for (auto& c : impl->conns) {
      if (!c.done && c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
    }
    impl->cv.wait(lock, all_done);
  }
  std::vector<std::thread> threads;
  for (auto& c : impl->conns) threads.push_back(std::move(c.thread));
  impl->conns.clear();
  lock.unlock();
  for (auto& t : threads) t.join();
  beast::error_code ec;
  impl->acceptor.close(ec);
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

}  // namespace strata::server
