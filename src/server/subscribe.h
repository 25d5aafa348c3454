// Live subscriptions: GET /v1/subscribe?table=T&symbol=A,B[&from=T][&format=json|csv], over a
// WebSocket or as Server-Sent Events. README.md ("Subscriptions") has the protocol and why the
// replay/live switch has neither a gap nor a duplicate.
//
// Each subscription is one Database append listener. Its OnAppend, on the appending thread,
// only filters the batch by table and symbol, copies the matching rows into the subscriber's
// bounded queue and signals the connection thread: no I/O, no formatting, no waiting. When the
// queue is over its byte limit the subscriber is marked dropped (counted) and gets nothing more;
// its connection thread then sends the close reason. The connection thread formats and writes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "server/http.h"
#include "server/metrics.h"
#include "strata/database.h"

namespace strata::server {

class Subscriber;

struct SubscriptionOptions {
  uint64_t buffer_bytes = 16ull << 20;  // per subscriber: live rows waiting to be sent
  int max_subscribers = 256;
  // A subscriber being closed (dropped or shutting down) whose client takes no bytes: its socket
  // is cut after this long.
  std::chrono::milliseconds close_grace{2000};
  // With auth: whether the credential named `user` may still subscribe (checked when a
  // subscriber starts, so one admitted just before a reload that revoked it does not slip past
  // CloseUsers). Default: yes.
  std::function<bool(std::string_view user)> authorized;
  // Tests only: called on the subscriber's thread with "before_attach" and "after_attach" around
  // its registration as an append listener (a test appends there to hit the replay/live edge).
  std::function<void(std::string_view)> test_hook;
};

class Subscriptions {
 public:
  Subscriptions(Database* db, Metrics* metrics, SubscriptionOptions options);
  ~Subscriptions();  // Shutdown()

  // The handler of GET /v1/subscribe (runs on the connection's thread until the client leaves,
  // is dropped, or Shutdown).
  void Handle(HttpRequest& req, HttpResponder& resp);

  // Closes every subscriber with "server shutting down" (WebSocket close 1001; SSE: a final
  // event) and refuses new ones; returns at once (the connection threads finish on their own,
  // cut after close_grace if their client does not read).
  void Shutdown();

  // Closes the subscribers of these credential names (an auth reload revoked them): WebSocket
  // close 1008 with `reason`, SSE a final `event: close` with code "revoked". Returns how many.
  int CloseUsers(const std::set<std::string>& users, const std::string& reason);

  int active() const;
  uint64_t dropped() const { return dropped_total_.load(std::memory_order_relaxed); }

  // For Subscriber.
  void CountDrop();
  void ObserveDelivery(double seconds, uint64_t rows);

 private:
  void Watchdog();
  Status Add(const std::shared_ptr<Subscriber>& s);
  void Remove(const std::shared_ptr<Subscriber>& s);

  Database* db_;
  Metrics* metrics_;
  SubscriptionOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool exit_ = false;  // the watchdog ends
  std::set<std::shared_ptr<Subscriber>> subs_;
  std::atomic<uint64_t> dropped_total_{0};
  std::thread watchdog_;

  MetricFamily* active_ = nullptr;
  MetricFamily* dropped_ = nullptr;
  MetricFamily* total_ = nullptr;
  MetricFamily* rows_ = nullptr;
  MetricFamily* delivery_ = nullptr;
};

}  // namespace strata::server
