// strata verify
#include <cstdio>

#include "artifacts/model_store.h"
#include "cli/cli.h"

namespace strata::cli {

void AddVerifyCommand(CLI::App& app, Context* ctx) {
  auto tier = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "verify", "re-read every warm/cold file and every model chunk and check them against the catalog");
  cmd->add_option("--tier", *tier, "warm, cold or models (default: all three)");
  cmd->add_flag("-q,--quiet", *quiet, "no progress lines");
  cmd->footer(
      "Checks each file's size and SHA-256 against the catalog, that it is valid Parquet with the\n"
      "recorded row count and its table's columns, and lists missing, corrupt and orphan files (named\n"
      "like a tier file of a table, unknown to the catalog; other files are not the tiers'), then re-hashes every "
      "chunk of the model store (naming model, version and chunk of a\n"
      "corrupt one). Exits 1 on any problem. Opens the database read-only and may run beside a\n"
      "writer: files it is writing or has just retired are not reported. Records when each whole\n"
      "file was verified (the catalog's files.verified_at; skipped on read-only media).\n"
      "Examples:\n"
      "  strata verify\n"
      "  strata verify --tier cold\n"
      "  strata verify --tier models");
  cmd->callback([ctx, tier, quiet] {
    Run(ctx, [&]() -> Status {
      if (!tier->empty() && *tier != "warm" && *tier != "cold" && *tier != "models") {
        return Status::InvalidArgument("--tier must be warm, cold or models, not '" + *tier + "'");
      }
      size_t problems = 0;
      if (*tier != "models") {
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
        std::printf("tiers: checked %s files, %s rows, %s: %s\n", WithThousands(report.files_checked).c_str(),
                    WithThousands(report.rows_checked).c_str(), HumanBytes(report.bytes_checked).c_str(),
                    report.ok() ? "OK" : (std::to_string(report.problems.size()) + " problem(s)").c_str());
        problems += report.problems.size();
      }
      if (tier->empty() || *tier == "models") {
        ASSIGN_OR_RETURN(artifacts::VerifyReport models, artifacts::VerifyModelStore(ctx->root));
        for (const artifacts::CorruptChunk& c : models.corrupt) {
          std::printf("corrupt  model %s version %lld chunk %lld (%s) in %s at %llu: %s\n",
                      c.model.empty() ? "(none)" : c.model.c_str(), static_cast<long long>(c.version),
                      static_cast<long long>(c.seq), c.chunk_id.c_str(), c.pack.c_str(),
                      static_cast<unsigned long long>(c.offset), c.error.c_str());
        }
        for (const artifacts::ColdPackProblem& p : models.cold_problems) {
          std::printf("cold     model pack %s (%s): %s\n", p.pack.c_str(), p.uri.c_str(), p.error.c_str());
        }
        const size_t bad = models.corrupt.size() + models.cold_problems.size();
        std::printf("models: checked %s chunks, %s, %s cold packs: %s\n", WithThousands(models.chunks_checked).c_str(),
                    HumanBytes(models.bytes_checked).c_str(), WithThousands(models.cold_packs_checked).c_str(),
                    bad == 0 ? "OK" : (std::to_string(bad) + " problem(s)").c_str());
        problems += bad;
      }
      if (problems > 0) return Status::Corruption("verify found " + std::to_string(problems) + " problem(s)");
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
