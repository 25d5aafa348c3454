// strata init, strata table create|list|show
#include <cstdio>

#include "cli/cli.h"

namespace strata::cli {
namespace {

struct InitArgs {
  std::string fsync = "interval=10";
  uint64_t segment_mb = 64;
};

struct CreateArgs {
  std::string name;
  std::string template_name;
  std::string schema;
  std::string dedup_key;
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
    std::printf("    %-12s %-9s%s%s\n", f.name.c_str(), std::string(ColumnTypeName(f.type)).c_str(),
                f.nullable ? " nullable" : "", role.c_str());
  }
  std::printf("  schema: %s\n", def.schema.ToString().c_str());
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
  init->footer(
      "Examples:\n"
      "  strata init --root /data/strata\n"
      "  strata init --fsync always          # every acknowledged row is on disk");
  init->callback([ctx, init_args] {
    Run(ctx, [&]() -> Status {
      InitOptions options;
      options.fsync = init_args->fsync;
      options.wal_segment_bytes = init_args->segment_mb << 20;
      RETURN_IF_ERROR(Database::Init(ctx->root, options));
      std::printf("created database %s (fsync=%s)\n", ctx->root.c_str(), options.fsync.c_str());
      return Status::OK();
    });
  });

  CLI::App* table = app.add_subcommand("table", "create, list and show tables");
  table->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  CLI::App* create = table->add_subcommand("create", "create a table from a template or a schema");
  create->add_option("name", create_args->name, "table name")->required();
  auto* tmpl = create->add_option("--template", create_args->template_name, "trades, quotes or bars");
  auto* schema = create->add_option("--schema", create_args->schema,
                                    "columns as name:type,... with types timestamp, symbol, i32, i64, f64, "
                                    "string, bool; a trailing ? makes a column nullable");
  tmpl->excludes(schema);
  create->add_option("--dedup-key", create_args->dedup_key,
                     "column whose value identifies a row within a symbol (e.g. trade_id)");
  create->footer(
      "Examples:\n"
      "  strata table create trades --template trades --dedup-key trade_id\n"
      "  strata table create fills --schema 'ts:timestamp,symbol:symbol,px:f64,qty:i64,venue:string?'");
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
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata table create"));
      RETURN_IF_ERROR(db->CreateTable(def));
      PrintTable(def);
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
