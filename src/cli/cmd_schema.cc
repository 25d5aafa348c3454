// strata table add-column TABLE NAME TYPE (schema evolution: doc/schema_evolution.md)
#include <cstdio>

#include "cli/cli.h"

namespace strata::cli {

void AddSchemaCommands(CLI::App& app, Context* ctx) {
  CLI::App* table = app.get_subcommand("table");
  struct Args {
    std::string table, name, type;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = table->add_subcommand("add-column", "add a nullable column to a table");
  cmd->add_option("table", args->table, "table name")->required();
  cmd->add_option("name", args->name, "the new column's name ([A-Za-z_][A-Za-z0-9_]*)")->required();
  cmd->add_option("type", args->type, "i32, i64, f64, f32, string or bool (a trailing ? is allowed: it is nullable)")
      ->required();
  cmd->footer(
      "The column goes at the end of the table's columns and is nullable: rows stored before it read\n"
      "NULL there, in every tier (hot, warm, cold) and after flushes, compaction and migration.\n"
      "The table's hot rows are flushed to warm files first. Writers only (stop `strata serve`, or\n"
      "use SQL `ALTER TABLE t ADD COLUMN c TYPE` or an ILP line with the new field through it).\n"
      "Examples:\n"
      "  strata table add-column trades venue_id i64\n"
      "  strata table add-column trades note string");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      std::string type = args->type;
      if (!type.empty() && type.back() == '?') type.pop_back();
      ASSIGN_OR_RETURN(ColumnType t, ParseColumnType(type));
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata table add-column"));
      RETURN_IF_ERROR(db->AddColumn(args->table, args->name, t));
      ASSIGN_OR_RETURN(TableDef def, db->GetTable(args->table));
      std::printf("added column %s (%s, nullable) to table %s: %s\n", args->name.c_str(), type.c_str(),
                  args->table.c_str(), def.schema.ToString().c_str());
      return db->Close();
    });
  });
}

}  // namespace strata::cli
