#include "server/subscribe.h"

#include <deque>
#include <set>
#include <vector>

#include "query/batch_stream.h"
#include "query/query_options.h"
#include "query/text_format.h"
#include "server/server.h"

namespace strata::server {

namespace {

using Clock = std::chrono::steady_clock;

// Rows encoded per message (WebSocket) or chunk (SSE) at most, so that one write stays small.
constexpr size_t kRowsPerMessage = 1024;
// An idle SSE stream sends a comment this often: it keeps proxies from timing out and finds a
// client that left (its write fails).
constexpr auto kSseKeepAlive = std::chrono::seconds(15);
// An idle WebSocket subscriber reads what its client sent this often (a close frame, pings).
constexpr auto kWebSocketPoll = std::chrono::milliseconds(50);

std::vector<double> DeliveryBuckets() {
  return {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1};
}

Status CheckSubscribeParams(const HttpRequest& req) {
  static const std::set<std::string> kKnown = {"table", "symbol", "from", "format"};
  for (const auto& [k, v] : req.params) {
    if (!kKnown.count(k)) {
      return Status::InvalidArgument("unknown parameter '" + k +
                                     "' for /v1/subscribe (known: table, symbol, from, format)");
    }
  }
  return Status::OK();
}

}  // namespace

// One subscription: an append listener with a bounded queue, drained by the connection thread.
class Subscriber final : public AppendListener {
 public:
  Subscriber(Database* db, Subscriptions* hub, std::string table, int symbol_index,
             std::set<std::string, std::less<>> symbols, std::optional<query::LogicalPlan> replay, uint64_t limit)
      : db_(db),
        hub_(hub),
        table_(std::move(table)),
        symbol_index_(symbol_index),
        symbols_(std::move(symbols)),
        replay_plan_(std::move(replay)),
        limit_(limit) {}

  // --- AppendListener ---
  // Appends are held off here: the replay's scans (created now, read later) hold exactly the
  // appends with LSN <= lsn, and OnAppend gets exactly those above it (README.md).
  Status OnAttach(uint64_t lsn) override {
    attach_lsn_ = lsn;
    if (replay_plan_) {
      ASSIGN_OR_RETURN(replay_, query::Execute(db_, *replay_plan_));
    }
    return Status::OK();
  }

  // On the appending thread: filter, copy, queue, signal. Never blocks on the client.
  void OnAppend(const AppendEvent& event) override {
    if (gone_.load(std::memory_order_relaxed) || event.table != table_) return;
    const RecordBatch& batch = *event.batch;
    const size_t n = batch.num_rows();
    RecordBatch rows;
    if (symbols_.empty()) {
      rows = batch;
    } else {
      const Column& sym = batch.column(static_cast<size_t>(symbol_index_));
      std::vector<uint32_t> take;
      for (size_t r = 0; r < n; ++r) {
        if (symbols_.find(sym.GetString(r)) != symbols_.end()) take.push_back(static_cast<uint32_t>(r));
      }
      if (take.empty()) return;
      rows = take.size() == n ? batch : batch.Take(take);
    }
    const uint64_t bytes = rows.ByteSize();
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      if (queued_bytes_ + bytes > limit_) {
        closing_ = true;
        close_code_ = 1008;
        close_reason_ = "dropped: too slow, more than " + std::to_string(limit_) + " bytes of rows waited to be sent";
        close_error_ = "slow_subscriber";
        queue_.clear();
        queued_bytes_ = 0;
        close_deadline_ = Clock::now() + close_grace_;
        gone_.store(true, std::memory_order_relaxed);
        hub_->CountDrop();
      } else {
        queue_.push_back({std::move(rows), Clock::now()});
        queued_bytes_ += bytes;
      }
    }
    cv_.notify_one();
  }

  // From the hub: end with this reason (shutdown).
  void Close(int code, std::string reason, std::string error) {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
      close_code_ = code;
      close_reason_ = std::move(reason);
      close_error_ = std::move(error);
      close_deadline_ = Clock::now() + close_grace_;
      gone_.store(true, std::memory_order_relaxed);
    }
    cv_.notify_one();
  }

  // Whether the client should be cut now (closing for longer than the grace).
  bool Overdue(Clock::time_point now) {
    std::lock_guard lock(mu_);
    return closing_ && now > close_deadline_;
  }

  void set_close_grace(std::chrono::milliseconds g) { close_grace_ = g; }
  void set_user(std::string user) { user_ = std::move(user); }
  const std::string& user() const { return user_; }
  void set_cancel(std::function<void()> c) { cancel_ = std::move(c); }
  void Cancel() {
    if (cancel_) cancel_();
  }

  // The connection thread: replay, then live rows until closed or the client is gone.
  void Run(const std::vector<Field>& fields, query::TextFormat format, WebSocketChannel* ws, HttpResponder* sse) {
    query::TextEncoder encoder(format, fields);
    std::string text, framed;
    auto send = [&](std::string& lines) -> bool {
      if (lines.empty()) return true;
      bool ok;
      if (ws) {
        ok = ws->SendText(lines);
      } else {
        framed.clear();
        size_t pos = 0;
        while (pos < lines.size()) {
          size_t nl = lines.find('\n', pos);
          if (nl == std::string::npos) nl = lines.size();
          framed.append("data: ").append(lines, pos, nl - pos).append("\n\n");
          pos = nl + 1;
        }
        ok = sse->Write(framed);
      }
      lines.clear();
      return ok;
    };
    auto send_rows = [&](const RecordBatch& b) -> bool {
      for (size_t begin = 0; begin < b.num_rows(); begin += kRowsPerMessage) {
        encoder.Append(b, begin, std::min(b.num_rows(), begin + kRowsPerMessage), &text);
        if (!send(text)) return false;
      }
      return true;
    };
    bool client_ok = true;
    if (format == query::TextFormat::kCsv) {
      encoder.Finish(&text);  // the header line first
      client_ok = send(text);
    }
    if (replay_ && client_ok) {
      RecordBatch b;
      for (;;) {
        if (gone_.load(std::memory_order_relaxed)) break;
        Result<bool> more = replay_->Next(&b);
        if (!more.ok()) {
          Close(1011, "replay failed: " + more.status().message(), "replay_failed");
          break;
        }
        if (!*more) break;
        if (!(client_ok = send_rows(b))) break;
      }
      replay_.reset();  // the scan's snapshot is released before the live phase
    }
    std::deque<Item> items;
    while (client_ok) {
      {
        std::unique_lock lock(mu_);
        const bool woke =
            cv_.wait_for(lock, ws ? kWebSocketPoll : kSseKeepAlive, [&] { return closing_ || !queue_.empty(); });
        if (closing_) break;
        if (!woke) {
          lock.unlock();
          client_ok = ws ? ws->Poll() : sse->Write(": keep-alive\n\n");
          continue;
        }
        items.swap(queue_);
        queued_bytes_ = 0;
      }
      for (Item& it : items) {
        if (!(client_ok = send_rows(it.rows))) break;
        hub_->ObserveDelivery(std::chrono::duration<double>(Clock::now() - it.at).count(), it.rows.num_rows());
      }
      items.clear();
      if (client_ok && ws) client_ok = ws->Poll();
    }
    gone_.store(true, std::memory_order_relaxed);
    if (!client_ok) return;  // the client left
    std::string code, reason, error;
    int close_code;
    {
      std::lock_guard lock(mu_);
      close_code = close_code_;
      reason = close_reason_;
      error = close_error_;
    }
    if (ws) {
      ws->Close(close_code, reason);
    } else {
      sse->Write("event: close\ndata: " + ErrorJson(error, reason) + "\n\n");
      sse->End();
    }
  }

 private:
  struct Item {
    RecordBatch rows;
    Clock::time_point at;  // when the append was acknowledged (queued)
  };
  Database* db_;
  Subscriptions* hub_;
  const std::string table_;
  const int symbol_index_;
  const std::set<std::string, std::less<>> symbols_;  // empty: every symbol
  std::optional<query::LogicalPlan> replay_plan_;
  std::unique_ptr<query::BatchStream> replay_;
  uint64_t attach_lsn_ = 0;
  const uint64_t limit_;
  std::chrono::milliseconds close_grace_{2000};
  std::function<void()> cancel_;

  std::atomic<bool> gone_{false};  // closing: OnAppend returns at once
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  uint64_t queued_bytes_ = 0;
  bool closing_ = false;
  int close_code_ = 1000;
  std::string close_reason_, close_error_;
  std::string user_;  // the credential's name ("" without auth)
  Clock::time_point close_deadline_;
};

Subscriptions::Subscriptions(Database* db, Metrics* metrics, SubscriptionOptions options)
    : db_(db), metrics_(metrics), options_(options) {
  active_ = metrics_->Gauge("strata_subscribers", "Live subscriptions open now (/v1/subscribe)");
  total_ = metrics_->Counter("strata_subscriptions_total", "Subscriptions opened since the start");
  dropped_ = metrics_->Counter("strata_subscribers_dropped_total",
                               "Subscribers dropped because their buffer of unsent rows filled (too slow)");
  rows_ = metrics_->Counter("strata_subscription_rows_total", "Live rows sent to subscribers");
  delivery_ = metrics_->Histogram("strata_subscription_delivery_seconds",
                                  "From an append's acknowledgement to its rows written to a subscriber's socket",
                                  DeliveryBuckets());
  active_->Set(0);
  total_->Inc({}, 0);
  dropped_->Inc({}, 0);
  rows_->Inc({}, 0);
  delivery_->SetHistogram(std::vector<uint64_t>(DeliveryBuckets().size(), 0), 0, 0);  // exposed before the first row
  watchdog_ = std::thread([this] { Watchdog(); });
}

Subscriptions::~Subscriptions() {
  Shutdown();
  {
    std::lock_guard lock(mu_);
    exit_ = true;
  }
  cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

int Subscriptions::active() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(subs_.size());
}

void Subscriptions::CountDrop() {
  dropped_total_.fetch_add(1, std::memory_order_relaxed);
  dropped_->Inc();
}

void Subscriptions::ObserveDelivery(double seconds, uint64_t rows) {
  delivery_->Observe(seconds);
  rows_->Inc({}, static_cast<double>(rows));
}

void Subscriptions::Shutdown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  for (const auto& s : subs_) s->Close(1001, "server shutting down", "shutdown");
}

int Subscriptions::CloseUsers(const std::set<std::string>& users, const std::string& reason) {
  std::lock_guard lock(mu_);
  int closed = 0;
  for (const auto& s : subs_) {
    if (users.count(s->user()) == 0) continue;
    s->Close(1008, reason, "revoked");
    ++closed;
  }
  return closed;
}

Status Subscriptions::Add(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard lock(mu_);
  if (stopping_) return Status::Busy("the server is shutting down");
  if (options_.authorized && !options_.authorized(s->user())) {
    return Status::Aborted("the credentials were revoked (the auth file changed)");
  }
  if (static_cast<int>(subs_.size()) >= options_.max_subscribers) {
    return Status::Busy("too many subscribers (" + std::to_string(options_.max_subscribers) + "); try again later");
  }
  subs_.insert(s);
  active_->Set(static_cast<double>(subs_.size()));
  total_->Inc();
  return Status::OK();
}

void Subscriptions::Remove(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard lock(mu_);
  subs_.erase(s);
  active_->Set(static_cast<double>(subs_.size()));
}

// Cuts the sockets of subscribers that have been closing for longer than the grace (a stalled
// client's connection thread is blocked in a write or in the close handshake).
void Subscriptions::Watchdog() {
  std::unique_lock lock(mu_);
  while (!exit_) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    const auto now = Clock::now();
    for (const auto& s : subs_) {
      if (s->Overdue(now)) s->Cancel();
    }
  }
}

void Subscriptions::Handle(HttpRequest& req, HttpResponder& resp) {
  if (Status st = CheckSubscribeParams(req); !st.ok()) return SendError(resp, st);
  const std::string table = req.Param("table");
  if (table.empty()) {
    return SendError(resp, Status::InvalidArgument("table: missing (/v1/subscribe?table=NAME&symbol=A,B)"));
  }
  if (!req.HasParam("symbol") || req.Param("symbol").empty()) {
    return SendError(
        resp, Status::InvalidArgument("symbol: missing (symbol=A,B, or symbol=* for every symbol of " + table + ")"));
  }
  const std::string format_name = req.HasParam("format") ? req.Param("format") : "json";
  query::TextFormat format;
  if (format_name == "json") {
    format = query::TextFormat::kJson;
  } else if (format_name == "csv") {
    format = query::TextFormat::kCsv;
  } else {
    return SendError(resp, Status::InvalidArgument("format: json or csv for /v1/subscribe, got '" + format_name + "'"));
  }
  Result<TableDef> def = db_->GetTable(table);
  if (!def.ok()) return SendError(resp, def.status());
  std::set<std::string, std::less<>> symbols;
  const std::string symbol_param = req.Param("symbol");
  if (symbol_param != "*") {
    for (std::string& s : query::SplitList(symbol_param)) symbols.insert(std::move(s));
    if (symbols.empty()) {
      return SendError(resp, Status::InvalidArgument("symbol: no symbol in '" + symbol_param +
                                                     "' (symbol=A,B, or symbol=* for every symbol)"));
    }
  }
  std::optional<query::LogicalPlan> replay;
  if (req.HasParam("from")) {
    query::QueryOptions q;
    q.table = table;
    q.symbols.assign(symbols.begin(), symbols.end());
    q.from = req.Param("from");
    if (q.from.empty()) return SendError(resp, Status::InvalidArgument("from: empty (a timestamp, ISO-8601 or ns)"));
    q.merge = true;  // one ts order across the symbols, like the live stream's
    for (const Field& f : def->schema.fields()) q.columns += (q.columns.empty() ? "" : ",") + f.name;
    Result<query::LogicalPlan> plan = query::PlanFromOptions(q, "");
    if (!plan.ok()) return SendError(resp, plan.status());
    replay = std::move(*plan);
  }
  const bool websocket = resp.WantsWebSocket();
  const bool sse = !websocket && req.Header("accept").find("text/event-stream") != std::string::npos;
  if (!websocket && !sse) {
    return SendError(resp, Status::InvalidArgument(
                               "/v1/subscribe streams over a WebSocket (Upgrade: websocket) or as server-sent events "
                               "(Accept: text/event-stream, e.g. curl -N -H 'Accept: text/event-stream')"));
  }

  auto sub = std::make_shared<Subscriber>(db_, this, table, def->schema.symbol_index(), std::move(symbols),
                                          std::move(replay), options_.buffer_bytes);
  sub->set_close_grace(options_.close_grace);
  sub->set_cancel(resp.Canceller());
  sub->set_user(req.user);
  if (Status st = Add(sub); !st.ok()) {
    if (st.code() == StatusCode::kAborted) return SendError(resp, 401, "unauthorized", st.message());
    return SendError(resp, st);
  }
  struct Unregister {
    Subscriptions* hub;
    std::shared_ptr<Subscriber> sub;
    bool listening = false;
    ~Unregister() {
      if (listening) (void)hub->db_->RemoveAppendListener(sub.get());
      hub->Remove(sub);
    }
  } unregister{this, sub};
  if (options_.test_hook) options_.test_hook("before_attach");
  Result<uint64_t> attached = db_->AddAppendListener(sub);
  if (!attached.ok()) return SendError(resp, attached.status());
  unregister.listening = true;
  if (options_.test_hook) options_.test_hook("after_attach");

  std::unique_ptr<WebSocketChannel> ws;
  if (websocket) {
    ws = resp.AcceptWebSocket();
    if (!ws) return;  // the handshake failed; the connection closes
  } else if (!resp.Begin(200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}})) {
    return;
  }
  sub->Run(def->schema.fields(), format, ws.get(), websocket ? nullptr : &resp);
}

}  // namespace strata::server
