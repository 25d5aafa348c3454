#include "server/result_stream.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "query/sink.h"
#include "query/text_format.h"
#include "server/server.h"

namespace strata::server {
namespace {

const char* QuestDbType(ColumnType t) {
  switch (t) {
    case ColumnType::kTimestamp: return "TIMESTAMP";
    case ColumnType::kSymbol: return "SYMBOL";
    case ColumnType::kFloat64: return "DOUBLE";
    case ColumnType::kFloat32: return "FLOAT";
    case ColumnType::kInt64: return "LONG";
    case ColumnType::kInt32: return "INT";
    case ColumnType::kString: return "STRING";
    case ColumnType::kBool: return "BOOLEAN";
  }
  return "STRING";
}

// A stream whose first batch was already pulled.
struct Primed {
  query::BatchStream* stream;
  RecordBatch batch;
  bool has = false;
  Result<bool> Next(RecordBatch* out) {
    if (has) {
      has = false;
      std::swap(*out, batch);
      return true;
    }
    return stream->Next(out);
  }
};

Result<uint64_t> SendParquet(Server* server, Primed* primed, HttpResponder& resp, const StreamOptions& o) {
  // Our Parquet writer needs a seekable file for its footer: write it under <root>/tmp, then send it.
  const std::string path = server->TempPath("result.parquet");
  struct Unlink {
    std::string p;
    ~Unlink() { ::unlink(p.c_str()); }
  } unlink_it{path};
  struct Adapter : query::BatchStream {
    Primed* p;
    const std::vector<Field>& fields() const override { return p->stream->fields(); }
    Result<bool> Next(RecordBatch* out) override { return p->Next(out); }
  } adapter;
  adapter.p = primed;
  auto rows = query::WriteStreamToParquet(DefaultFileSystem(), path, &adapter);
  if (!rows.ok()) {
    SendError(resp, rows.status());
    return rows.status();
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    Status st = Status::IOError("cannot read back " + path);
    SendError(resp, st);
    return st;
  }
  HttpHeaders extra;
  if (!o.filename.empty()) extra.emplace_back("Content-Disposition", "attachment; filename=\"" + o.filename + "\"");
  bool ok = resp.Begin(200, "application/vnd.apache.parquet", extra);
  std::string buf(1 << 20, '\0');
  while (ok) {
    size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    ok = resp.Write(std::string_view(buf.data(), n));
  }
  std::fclose(f);
  if (ok) ok = resp.End();
  if (!ok) return Status::Aborted("the client went away");
  return *rows;
}

}  // namespace

Result<ResultFormat> ParseResultFormat(const std::string& name) {
  if (name.empty() || name == "json") return ResultFormat::kJsonLines;
  if (name == "csv") return ResultFormat::kCsv;
  if (name == "parquet") return ResultFormat::kParquet;
  return Status::InvalidArgument("format: unknown format '" + name + "' (csv, json or parquet)");
}

Result<uint64_t> SendStream(Server* server, query::BatchStream* stream, HttpResponder& resp, const StreamOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  Primed primed{stream, RecordBatch(), false};
  {
    auto got = stream->Next(&primed.batch);
    if (!got.ok()) {
      SendError(resp, got.status());
      return got.status();
    }
    primed.has = *got;
  }
  if (o.format == ResultFormat::kParquet) return SendParquet(server, &primed, resp, o);

  const std::vector<Field>& fields = stream->fields();
  HttpHeaders extra;
  if (!o.filename.empty()) extra.emplace_back("Content-Disposition", "attachment; filename=\"" + o.filename + "\"");
  const char* type = o.format == ResultFormat::kCsv         ? "text/csv; charset=utf-8"
                     : o.format == ResultFormat::kJsonLines ? "application/x-ndjson"
                                                            : "application/json";
  if (!resp.Begin(200, type, extra)) return Status::Aborted("the client went away");
  std::string buf;
  buf.reserve(o.chunk_bytes + (64 << 10));
  query::TextEncoder encoder(o.format == ResultFormat::kCsv ? query::TextFormat::kCsv : query::TextFormat::kJson,
                             fields);
  const bool questdb = o.format == ResultFormat::kQuestDbJson;
  if (questdb) {
    buf.append("{\"query\":");
    query::AppendJsonString(o.query_text, &buf);
    buf.append(",\"columns\":[");
    int ts_index = -1;
    for (size_t c = 0; c < fields.size(); ++c) {
      if (c) buf.push_back(',');
      buf.append("{\"name\":");
      query::AppendJsonString(fields[c].name, &buf);
      buf.append(",\"type\":\"").append(QuestDbType(fields[c].type)).append("\"}");
      if (ts_index < 0 && fields[c].type == ColumnType::kTimestamp) ts_index = static_cast<int>(c);
    }
    buf.append("],\"timestamp\":").append(std::to_string(ts_index)).append(",\"dataset\":[");
  }
  uint64_t skipped = 0, sent = 0;
  bool first_row = true;
  RecordBatch batch;
  Status failure;
  for (;;) {
    auto got = primed.Next(&batch);
    if (!got.ok()) {
      failure = got.status();
      break;
    }
    if (!*got) break;
    size_t begin = 0, end = batch.num_rows();
    if (skipped < o.skip) {
      const uint64_t take = std::min<uint64_t>(o.skip - skipped, end);
      skipped += take;
      begin = take;
    }
    if (o.limit >= 0) end = std::min<uint64_t>(end, begin + std::max<int64_t>(0, o.limit - static_cast<int64_t>(sent)));
    if (begin >= end) {
      if (o.limit >= 0 && static_cast<int64_t>(sent) >= o.limit) break;
      continue;
    }
    for (size_t slice = begin; slice < end; slice += 4096) {
      const size_t slice_end = std::min(end, slice + 4096);
      if (questdb) {
        for (size_t r = slice; r < slice_end; ++r) {
          if (!first_row) buf.push_back(',');
          first_row = false;
          buf.push_back('[');
          for (size_t c = 0; c < batch.num_columns(); ++c) {
            if (c) buf.push_back(',');
            query::AppendJsonValue(batch.column(c), r, &buf);
          }
          buf.push_back(']');
        }
      } else {
        encoder.Append(batch, slice, slice_end, &buf);
      }
      if (buf.size() >= o.chunk_bytes) {
        if (!resp.Write(buf)) return Status::Aborted("the client went away");
        buf.clear();
      }
    }
    sent += end - begin;
    if (o.limit >= 0 && static_cast<int64_t>(sent) >= o.limit) break;
  }
  if (!failure.ok()) {
    // Too late for a status: what was sent stays, the response is cut so the client knows.
    resp.Write(buf);
    resp.Abort();
    server->Log("query failed while streaming (response cut): " + failure.ToString());
    return failure;
  }
  if (questdb) {
    const int64_t exec_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    buf.append("],\"count\":").append(std::to_string(sent));
    buf.append(",\"timings\":{\"compiler\":").append(std::to_string(o.compile_ns));
    buf.append(",\"execute\":").append(std::to_string(exec_ns)).append(",\"count\":0}}");
  } else {
    encoder.Finish(&buf);
  }
  if (!resp.Write(buf) || !resp.End()) return Status::Aborted("the client went away");
  return sent;
}

}  // namespace strata::server
