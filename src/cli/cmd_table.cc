// strata init, strata table create|list|show
#include <cstdio>
#include <optional>

#include "backup/wal_archive.h"
#include "cli/cli.h"
#include "strata/state.h"
#include "tier/derived_bars.h"
#include "tier/policy.h"

namespace strata::cli {
namespace {

struct InitArgs {
  std::string fsync = "interval=10";
  uint64_t segment_mb = 64;
  std::string cold;
  std::string wal_archive;
};

// Tier policy options (see src/tier/policy.h); unset ones are left as they are.
struct PolicyArgs {
  std::optional<int64_t> warm_days, cold_days, warm_max_bytes, flush_rows, flush_series_rows, flush_series_bytes,
      cold_zstd_level, max_warm_parts, book_depth, cold_lock_days;
  std::optional<std::string> warm_codec, cold_lock_mode;
  std::optional<std::string> bars;          // "1m,1d"
  std::optional<std::string> book_samples;  // "1s"

  void AddTo(CLI::App* cmd) {
    cmd->add_option("--warm-days", warm_days, "move warm files whose newest row is older than N days to cold");
    cmd->add_option("--cold-days", cold_days, "delete cold files whose newest row is older than N days");
    cmd->add_option("--warm-max-bytes", warm_max_bytes, "over this many warm bytes, move the oldest months to cold");
    cmd->add_option("--flush-rows", flush_rows, "flush when the table has this many hot rows");
    cmd->add_option("--flush-series-rows", flush_series_rows, "flush when one symbol has this many hot rows");
    cmd->add_option("--flush-series-bytes", flush_series_bytes, "flush when one symbol holds this many bytes of RAM");
    cmd->add_option("--warm-codec", warm_codec, "warm Parquet codec: snappy or lz4_raw");
    cmd->add_option("--cold-zstd-level", cold_zstd_level, "ZSTD level of cold files (1-22, default 9)");
    cmd->add_option("--max-warm-parts", max_warm_parts, "compact a series-day with more parts than this (default 4)");
    cmd->add_option("--bars", bars,
                    "derived bar tables to keep, comma-separated intervals dividing a day (1m,1d): each is a "
                    "table <name>_bars_<interval> rebuilt on every flush and migration ('' for none)");
    cmd->add_option("--book-samples", book_samples,
                    "on a book table: derived book-sample tables to keep, comma-separated intervals dividing a day "
                    "(1s,1m): each is a table <name>_book_<interval> (the book every interval as rows, what `strata "
                    "book --book-snapshots` computes) kept by every flush and migration ('' for none)");
    cmd->add_option("--book-depth", book_depth, "levels per side in the book-sample tables (1-100, default 10)");
    cmd->add_option("--cold-lock-days", cold_lock_days,
                    "immutable archives: lock each cold file for N days after its upload (S3 Object Lock retention "
                    "on a bucket with Object Lock enabled; on a local cold directory, strata's catalog); strata "
                    "deletes or replaces no locked file before then");
    cmd->add_option("--cold-lock-mode", cold_lock_mode, "S3 Object Lock mode: compliance (default) or governance")
        ->check(CLI::IsMember({"compliance", "governance"}));
  }
  bool any() const {
    return warm_days || cold_days || warm_max_bytes || flush_rows || flush_series_rows || flush_series_bytes ||
           cold_zstd_level || max_warm_parts || warm_codec || bars || book_samples || book_depth || cold_lock_days ||
           cold_lock_mode;
  }
  std::string ToJson() const {
    std::string j = "{";
    auto add = [&](const char* k, const std::string& v) {
      if (j.size() > 1) j += ",";
      j += std::string("\"") + k + "\":" + v;
    };
    if (warm_days) add("warm_days", std::to_string(*warm_days));
    if (cold_days) add("cold_days", std::to_string(*cold_days));
    if (warm_max_bytes) add("warm_max_bytes", std::to_string(*warm_max_bytes));
    if (flush_rows) add("flush_rows", std::to_string(*flush_rows));
    if (flush_series_rows) add("flush_series_rows", std::to_string(*flush_series_rows));
    if (flush_series_bytes) add("flush_series_bytes", std::to_string(*flush_series_bytes));
    if (cold_zstd_level) add("cold_zstd_level", std::to_string(*cold_zstd_level));
    if (max_warm_parts) add("max_warm_parts", std::to_string(*max_warm_parts));
    if (warm_codec) add("warm_codec", "\"" + *warm_codec + "\"");
    if (bars) {
      std::string list;
      for (const std::string& b : SplitCommaList(*bars)) list += (list.empty() ? "\"" : ",\"") + b + "\"";
      add("bars", "[" + list + "]");
    }
    if (book_samples) {
      std::string list;
      for (const std::string& b : SplitCommaList(*book_samples)) list += (list.empty() ? "\"" : ",\"") + b + "\"";
      add("book_samples", "[" + list + "]");
    }
    if (book_depth) add("book_depth", std::to_string(*book_depth));
    if (cold_lock_days) add("cold_lock_days", std::to_string(*cold_lock_days));
    if (cold_lock_mode) add("cold_lock_mode", "\"" + *cold_lock_mode + "\"");
    return j + "}";
  }
};

struct CreateArgs {
  std::string name;
  std::string template_name;
  std::string schema;
  std::string dedup_key;
  PolicyArgs policy;
};

void PrintTable(const TableDef& def) {
  std::printf("table %s\n", def.name.c_str());
  std::printf("  dedup key: %s\n", def.dedup_key ? def.dedup_key->c_str() : "(none: exact duplicate rows)");
  std::printf("  columns:\n");
  for (const Field& f : def.schema.fields()) {
    std::string role;
    if (f.type == ColumnType::kTimestamp) role = "  (time index)";
    if (f.type == ColumnType::kSymbol) role = "  (series key)";
    if (def.dedup_key && *def.dedup_key == f.name) role = "  (dedup key)";
    std::printf("    %-12s %-9s%s%s\n", f.name.c_str(), FieldTypeName(f).c_str(), f.nullable ? " nullable" : "",
                role.c_str());
  }
  std::printf("  schema: %s\n", def.schema.ToString().c_str());
  std::printf("  policy: %s\n", def.policy_json.c_str());
}

}  // namespace

void AddInitAndTableCommands(CLI::App& app, Context* ctx) {
  auto init_args = std::make_shared<InitArgs>();
  CLI::App* init = app.add_subcommand("init", "create an empty database at --root");
  init->add_option("--fsync", init_args->fsync,
                   "when an append is acknowledged: 'always' (after fsync), 'interval=MS' (fsync in the "
                   "background every MS ms; a crash of the machine may lose the last MS ms), 'none'")
      ->capture_default_str();
  init->add_option("--wal-segment-mb", init_args->segment_mb, "roll WAL segments at this size")->capture_default_str();
  init->add_option("--cold", init_args->cold,
                   "where the cold tier lives: a directory, or s3://bucket/prefix (credentials, region and\n"
                   "endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3);\n"
                   "default ROOT/cold");
  init->add_option("--wal-archive", init_args->wal_archive,
                   "archive WAL segments to this directory or s3://bucket/prefix (point-in-time recovery;\n"
                   "see `strata archive`)");
  init->footer(
      "The catalog is created atomically (a failure leaves none). Refuses a directory that holds a\n"
      "database's data (wal/, warm/, cold/, ...) but no catalog: rebuild that with `strata recover-catalog`.\n"
      "Examples:\n"
      "  strata init --root /data/strata\n"
      "  strata init --fsync always          # every acknowledged row is on disk\n"
      "  strata init --cold s3://lake/strata # cold Parquet in a bucket (AWS_* environment variables)");
  init->callback([ctx, init_args] {
    Run(ctx, [&]() -> Status {
      InitOptions options;
      options.fsync = init_args->fsync;
      options.wal_segment_bytes = init_args->segment_mb << 20;
      options.cold_location = init_args->cold;
      RETURN_IF_ERROR(Database::Init(ctx->root, options));
      if (!init_args->wal_archive.empty()) {
        RETURN_IF_ERROR(backup::SetWalArchive(DefaultFileSystem(), ctx->root, init_args->wal_archive));
      }
      std::printf("created database %s (fsync=%s, cold tier %s)\n", ctx->root.c_str(), options.fsync.c_str(),
                  options.cold_location.empty() ? (ctx->root + "/cold").c_str() : options.cold_location.c_str());
      return Status::OK();
    });
  });

  CLI::App* table = app.add_subcommand("table", "create, list and show tables");
  table->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  CLI::App* create = table->add_subcommand("create", "create a table from a template or a schema");
  create->add_option("name", create_args->name, "table name")->required();
  auto* tmpl = create->add_option(
      "--template", create_args->template_name,
      "trades, quotes, bars, book (L2 updates, see `strata book`), fills, orders or cash (see `strata positions`)");
  auto* schema = create->add_option("--schema", create_args->schema,
                                    "columns as name:type,... with types timestamp (ns; timestamp[us] and "
                                    "timestamp[ms] keep whole micro/milliseconds), symbol, i32, i64, f32, f64, "
                                    "string, bool; a trailing ? makes a column nullable");
  tmpl->excludes(schema);
  create->add_option("--dedup-key", create_args->dedup_key,
                     "column whose value identifies a row within a symbol and timestamp (e.g. trade_id): rows with "
                     "the same symbol, ts and key are one row, the first arrival kept; without it, rows equal "
                     "in every column are");
  create_args->policy.AddTo(create);
  create->footer(
      "Examples:\n"
      "  strata table create trades --template trades --dedup-key trade_id\n"
      "  strata table create fills --schema 'ts:timestamp,symbol:symbol,px:f64,qty:i64,venue:string?'\n"
      "  strata table create quotes --template quotes --warm-days 7 --cold-days 3650\n"
      "  strata table create trades --template trades --bars 1m,1d   # + trades_bars_1m, trades_bars_1d\n"
      "  strata table create l2 --template book --book-samples 1s   # + l2_book_1s (the book every second)");
  create->callback([ctx, create_args] {
    Run(ctx, [&]() -> Status {
      TableDef def;
      def.name = create_args->name;
      if (!create_args->template_name.empty()) {
        ASSIGN_OR_RETURN(def.schema, Schema::Template(create_args->template_name));
      } else if (!create_args->schema.empty()) {
        ASSIGN_OR_RETURN(def.schema, Schema::Parse(create_args->schema));
      } else {
        return Status::InvalidArgument("table create needs --template NAME or --schema 'name:type,...'");
      }
      if (!create_args->dedup_key.empty()) def.dedup_key = create_args->dedup_key;
      if (create_args->policy.any()) {
        // Validated (and derived bar tables created) with the table, so a bad policy creates nothing.
        ASSIGN_OR_RETURN(tier::TablePolicy policy, tier::TablePolicy::Parse(create_args->policy.ToJson()));
        def.policy_json = policy.ToJson();
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata table create"));
      RETURN_IF_ERROR(db->CreateTable(def));
      ASSIGN_OR_RETURN(def, db->GetTable(def.name));
      PrintTable(def);
      if (auto p = tier::TablePolicy::Parse(def.policy_json); p.ok()) {
        for (int64_t iv : p->BarIntervals()) {
          std::printf("  derived: %s\n", tier::DerivedBarTableName(def.name, iv).c_str());
        }
        for (int64_t iv : p->BookSampleIntervals()) {
          std::printf("  derived: %s\n", BookSamplesTableName(def.name, iv).c_str());
        }
      }
      return db->Close();
    });
  });

  CLI::App* list = table->add_subcommand("list", "list tables");
  list->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(auto tables, db->ListTables());
      if (tables.empty()) std::printf("no tables (create one with `strata table create NAME --template trades`)\n");
      for (const TableDef& t : tables) std::printf("%-20s %s\n", t.name.c_str(), t.schema.ToString().c_str());
      return Status::OK();
    });
  });

  auto policy_name = std::make_shared<std::string>();
  auto policy_args = std::make_shared<PolicyArgs>();
  CLI::App* set_policy = table->add_subcommand("set-policy", "set a table's tier policy (flush, migration, retention)");
  set_policy->add_option("name", *policy_name, "table name")->required();
  policy_args->AddTo(set_policy);
  set_policy->footer(
      "Options not given keep their current value; a rule never set does nothing (no migration by age,\n"
      "no deletion).\n"
      "Examples:\n"
      "  strata table set-policy trades --warm-days 7 --cold-days 3650\n"
      "  strata table set-policy quotes --warm-max-bytes 50000000000 --warm-codec lz4_raw --flush-rows 2000000\n"
      "  strata table set-policy trades --bars 1m,1d   # builds trades_bars_1m/_1d from the rows already flushed\n"
      "  strata table set-policy l2 --book-samples 1s --book-depth 5   # l2_book_1s: the book every second\n"
      "  strata table set-policy trades --flush-series-rows 500000   # a busy symbol flushes on its own\n"
      "  strata table set-policy trades --cold-lock-days 2555   # cold files immutable for 7 years");
  set_policy->callback([ctx, policy_name, policy_args] {
    Run(ctx, [&]() -> Status {
      if (!policy_args->any()) return Status::InvalidArgument("table set-policy: give at least one policy option");
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata table set-policy"));
      RETURN_IF_ERROR(db->SetTablePolicy(*policy_name, policy_args->ToJson()));
      ASSIGN_OR_RETURN(TableDef def, db->GetTable(*policy_name));
      std::printf("table %s policy: %s\n", def.name.c_str(), def.policy_json.c_str());
      return db->Close();
    });
  });

  auto show_name = std::make_shared<std::string>();
  CLI::App* show = table->add_subcommand("show", "show a table's columns and keys");
  show->add_option("name", *show_name, "table name")->required();
  show->callback([ctx, show_name] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(TableDef def, db->GetTable(*show_name));
      PrintTable(def);
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
