// strata export TABLE OUT.h5 --format hdf5 [--symbol S] [--from T] [--to T]
#include <cstdio>
#include <filesystem>

#include "cli/cli.h"
#include "hdf5/hdf5_table.h"
#include "query/plan.h"
#include "query/query_options.h"
#include "strata/query.h"

namespace strata::cli {
namespace {

struct ExportArgs : query::QueryOptions {
  std::string out;
  std::string format;
  std::string group;  // default "/" + table
  std::string layout = "pandas";
  bool quiet = false;
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status Export(Context* ctx, const ExportArgs& args) {
  std::string format = args.format;
  if (format.empty()) {
    if (EndsWith(args.out, ".h5") || EndsWith(args.out, ".hdf5") || EndsWith(args.out, ".hdf") ||
        EndsWith(args.out, ".he5")) {
      format = "hdf5";
    } else {
      return Status::InvalidArgument("cannot tell the format of " + args.out +
                                     " from its name: use --format hdf5 (Parquet: strata query TABLE --out F.parquet)");
    }
  }
  if (format != "hdf5") {
    return Status::InvalidArgument("--format " + QuoteForMessage(format, 20) +
                                   ": export writes hdf5 (for Parquet use strata query TABLE --out FILE.parquet; "
                                   "for CSV strata query TABLE --format csv)");
  }
  if (args.layout != "pandas" && args.layout != "columns") {
    return Status::InvalidArgument("--layout " + QuoteForMessage(args.layout, 20) + ": use pandas or columns");
  }
  const hdf5::Layout layout = args.layout == "pandas" ? hdf5::Layout::kPandasTable : hdf5::Layout::kColumns;
  ASSIGN_OR_RETURN(query::LogicalPlan logical, query::PlanFromOptions(args, "--"));
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
  query::QueryPlan plan;
  ASSIGN_OR_RETURN(std::unique_ptr<query::BatchStream> stream, query::Execute(db.get(), logical, &plan));
  const std::string group = args.group.empty() ? "/" + args.table : args.group;
  // Written beside the target and renamed at the end: a failed export leaves no partial file.
  const std::string tmp = args.out + ".tmp-strata";
  ASSIGN_OR_RETURN(auto writer, hdf5::TableWriter::Create(tmp, group, stream->fields(), args.table, layout));
  auto fail = [&](Status st) {
    writer.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return st;
  };
  RecordBatch batch;
  while (true) {
    Result<bool> more = stream->Next(&batch);
    if (!more.ok()) return fail(more.status());
    if (!*more) break;
    if (Status st = writer->Append(batch); !st.ok()) return fail(st);
  }
  stream.reset();
  if (Status st = writer->Close(); !st.ok()) return fail(st);
  std::error_code ec;
  std::filesystem::rename(tmp, args.out, ec);
  if (ec) return fail(Status::IOError("cannot rename " + tmp + " to " + args.out + ": " + ec.message()));
  if (!args.quiet) {
    std::fprintf(stderr, "exported %s rows of %s to %s (group %s, %s layout)\n", WithThousands(writer->rows()).c_str(),
                 args.table.c_str(), args.out.c_str(), group.c_str(), args.layout.c_str());
  }
  return Status::OK();
}

}  // namespace

void AddExportCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* e = app.add_subcommand("export", "write a table's rows (by symbol and time range) to an HDF5 file");
  e->add_option("table", args->table, "table name")->required();
  e->add_option("out", args->out, "output file (.h5, .hdf5); replaced if it exists")->required();
  e->add_option("--format", args->format, "hdf5 (default from the file name)");
  e->add_option("-s,--symbol", args->symbols, "symbol (repeat for several; default all)");
  e->add_option("--from", args->from, "start time, inclusive (ISO-8601 or ns since epoch)");
  e->add_option("--to", args->to, "end time, exclusive");
  e->add_option("--columns", args->columns, "comma-separated columns to export (default all)");
  e->add_option("--where", args->where, "keep rows where EXPR holds (as strata query --where)");
  e->add_option("--group", args->group, "HDF5 group to write into (default /TABLE; pandas' key)");
  e->add_option("--layout", args->layout, "pandas (default: a PyTables table, pd.read_hdf reads it) or columns")
      ->capture_default_str();
  e->add_flag("-q,--quiet", args->quiet, "print nothing on success");
  e->footer(
      "Layout pandas (default): the PyTables table pandas writes with to_hdf(format='table',\n"
      "data_columns=True): the group (default /TABLE) holds pandas' metadata and a compound dataset\n"
      "`table` (chunked, shuffle + deflate) with a member per column: ts int64 ns (datetime64[ns] in\n"
      "pandas, UTC), i32/i64/f32/f64 native, bool uint8, symbols/strings fixed-width UTF-8; a nullable\n"
      "column adds a uint8 member COLUMN.valid (0 = NULL; the value is NaN, \"nan\" or 0).\n"
      "  df = pandas.read_hdf('day.h5', 'trades')       # or h5py.File('day.h5')['trades/table'][:]\n"
      "Layout columns: one 1-D dataset per column in the group, timestamps int64 ns (attribute\n"
      "unit=\"ns\"), strings variable-length UTF-8, bool as h5py's bool, COLUMN.valid for NULLs:\n"
      "  f = h5py.File('day.h5'); ts = f['trades/ts'][:].astype('datetime64[ns]')\n"
      "Rows sorted by time within each symbol. Read either back with\n"
      "`strata ingest TABLE FILE.h5 --dataset /TABLE`.\n"
      "Examples:\n"
      "  strata export trades day.h5 --from 2026-03-02 --to 2026-03-03\n"
      "  strata export quotes aapl.h5 -s AAPL --columns ts,symbol,bid,ask --group /quotes/aapl\n"
      "  strata export trades day.h5 --layout columns");
  e->callback([ctx, args] { Run(ctx, [&] { return Export(ctx, *args); }); });
}

}  // namespace strata::cli
