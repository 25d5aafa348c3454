#include "server/http.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>

namespace strata::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Sends raw request bytes and reads until the server closes the connection.
std::string Exchange(uint16_t port, const std::string& request) {
  net::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(s, net::buffer(request));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = s.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

TEST(HttpTest, PercentDecode) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%20b+c%2B", true, &out));
  EXPECT_EQ(out, "a b c+");
  EXPECT_TRUE(PercentDecode("a+b", false, &out));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(PercentDecode("a%2", true, &out));
  EXPECT_FALSE(PercentDecode("a%zz", true, &out));
  EXPECT_FALSE(PercentDecode("%", true, &out));
}

TEST(HttpTest, ParsesTargetsAndStreamsChunks) {
  auto server = HttpServer::Start(
      {.port = 0},
      [](HttpRequest& r) {
        Admission a;
        if (r.path == "/deny") {
          a.status = 403;
          a.error_body = R"({"code":"forbidden","message":"no"})";
        }
        a.body_limit = 100;
        return a;
      },
      [](HttpRequest& r, HttpResponder& w) {
        if (r.path == "/stream") {
          w.Begin(200, "text/plain");
          w.Write("hello ");
          w.Write(r.Param("x"));
          w.End();
        } else {
          w.Send(200, "text/plain",
                 r.path + "|" + r.Param("q") + "|" + std::to_string(r.Params("s").size()) + "|" + r.body);
        }
      });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const uint16_t port = (*server)->port();
  std::string r = Exchange(port, "GET /a%20b?q=x+y%26&s=1&s=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("/a b|x y&|2|"), std::string::npos) << r;
  r = Exchange(port, "GET /stream?x=w HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("Transfer-Encoding: chunked"), std::string::npos) << r;
  EXPECT_NE(r.find("6\r\nhello \r\n1\r\nw\r\n0\r\n\r\n"), std::string::npos) << r;
  r = Exchange(port, "POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(r.find("403 Forbidden"), std::string::npos) << r;
  r = Exchange(port, "POST /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(r.find("/b||0|hello"), std::string::npos) << r;
  r = Exchange(port, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" + std::string(500, 'x'));
  EXPECT_NE(r.find("413"), std::string::npos) << r;
  // Chunked past the limit: found while reading.
  r = Exchange(port,
               "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "c8\r\n" +
                   std::string(200, 'y') + "\r\n0\r\n\r\n");
  EXPECT_NE(r.find("413"), std::string::npos) << r;
  r = Exchange(port, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("400 Bad Request"), std::string::npos) << r;
  // Two requests on one connection (keep-alive).
  r = Exchange(port, "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("/one|"), std::string::npos) << r;
  EXPECT_NE(r.find("/two|"), std::string::npos) << r;
}

TEST(HttpTest, StopFinishesRequestsInFlightAndClosesIdleConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> release_f = release.get_future().share();
  auto server = HttpServer::Start(
      {.port = 0}, [](HttpRequest&) { return Admission{}; },
      [&](HttpRequest& r, HttpResponder& w) {
        if (r.path == "/slow") {
          entered.set_value();
          release_f.wait();
        }
        w.Send(200, "text/plain", "done " + r.path);
      });
  ASSERT_TRUE(server.ok());
  const uint16_t port = (*server)->port();
  // An idle keep-alive connection (no request sent).
  net::io_context io;
  tcp::socket idle(io);
  idle.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  auto slow = std::async(std::launch::async, [&] { return Exchange(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
  entered.get_future().wait();
  auto stopper = std::async(std::launch::async, [&] { (*server)->Stop(std::chrono::seconds(30)); });
  // The idle connection is closed by Stop (its read ends) while /slow is still running.
  char c;
  boost::system::error_code ec;
  idle.read_some(net::buffer(&c, 1), ec);
  EXPECT_TRUE(ec) << "the idle connection was closed";
  release.set_value();
  const std::string r = slow.get();
  EXPECT_NE(r.find("done /slow"), std::string::npos) << r;
  stopper.get();
  // No longer listening.
  tcp::socket late(io);
  late.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
}

TEST(HttpTest, AClientThatStopsReadingIsCutAfterTheWriteTimeout) {
  std::promise<uint64_t> written;
  auto server = HttpServer::Start(
      {.port = 0, .write_timeout_s = 1}, [](HttpRequest&) { return Admission{}; },
      [&](HttpRequest&, HttpResponder& w) {
        const std::string chunk(1 << 20, 'x');
        uint64_t n = 0;
        w.Begin(200, "text/plain");
        while (w.Write(chunk)) n += chunk.size();  // until the socket is cut
        written.set_value(n);
      });
  ASSERT_TRUE(server.ok());
  net::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), (*server)->port()));
  net::write(s, net::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  // Never read: the socket buffers fill, the server's write blocks, the reaper cuts it.
  auto f = written.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the stuck write was never cut";
  EXPECT_GT(f.get(), 0u);
}

}  // namespace
}  // namespace strata::server
