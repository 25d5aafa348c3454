// strata verify
#include <cstdio>

#include "cli/cli.h"

namespace strata::cli {

void AddVerifyCommand(CLI::App& app, Context* ctx) {
  auto tier = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("verify", "re-read every warm/cold file and check it against the catalog");
  cmd->add_option("--tier", *tier, "warm or cold (default: both)");
  cmd->add_flag("-q,--quiet", *quiet, "no progress lines");
  cmd->footer(
      "Checks each file's size and SHA-256 against the catalog, that it is valid Parquet with the\n"
      "recorded row count, and lists missing, corrupt and orphan files (on storage, unknown to the\n"
      "catalog). Exits 1 on any problem. Opens the database read-only.\n"
      "Examples:\n"
      "  strata verify\n"
      "  strata verify --tier cold");
  cmd->callback([ctx, tier, quiet] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      VerifyOptions options;
      options.tier = *tier;
      if (!*quiet && StderrIsTerminal()) {
        options.on_progress = [](std::string_view line) {
          std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(line.size()), line.data());
        };
      }
      ASSIGN_OR_RETURN(VerifyReport report, db->Verify(options));
      if (options.on_progress) std::fprintf(stderr, "\r\033[K");
      for (const VerifyProblem& p : report.problems) {
        std::printf("%-8s %s: %s\n", p.kind.c_str(), p.uri.c_str(), p.detail.c_str());
      }
      std::printf("checked %s files, %s rows, %s: %s\n", WithThousands(report.files_checked).c_str(),
                  WithThousands(report.rows_checked).c_str(), HumanBytes(report.bytes_checked).c_str(),
                  report.ok() ? "OK" : (std::to_string(report.problems.size()) + " problem(s)").c_str());
      if (!report.ok()) {
        return Status::Corruption("verify found " + std::to_string(report.problems.size()) + " problem(s)");
      }
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
