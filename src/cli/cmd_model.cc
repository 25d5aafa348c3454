// strata model put|get|list|show|diff|promote|alias|rm|archive|restore|gc|stats|verify
#include <cstdio>
#include <optional>

#include "artifacts/model_store.h"
#include "cli/cli.h"

namespace strata::cli {
namespace {

using artifacts::ModelRef;
using artifacts::ModelStore;

Result<std::unique_ptr<ModelStore>> OpenStore(const Context* ctx) {
  artifacts::ModelStoreOptions options;
  options.cache_budget_bytes = 0;  // one command, one load: nothing to cache
  return ModelStore::Open(ctx->root, options);
}

std::string Percent(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole ? 100.0 * part / whole : 0.0);
  return buf;
}

void PrintVersion(const artifacts::VersionInfo& v) {
  std::printf("model %s version %lld\n", v.model.c_str(), static_cast<long long>(v.version));
  std::printf("  size:     %s (%s bytes)\n", HumanBytes(v.size).c_str(), WithThousands(v.size).c_str());
  std::printf("  sha256:   %s\n", v.sha256.c_str());
  std::printf("  chunks:   %llu\n", static_cast<unsigned long long>(v.chunk_count));
  std::printf("  stage:    %s\n", v.stage.c_str());
  std::string aliases;
  for (const std::string& a : v.aliases) aliases += (aliases.empty() ? "" : ", ") + a;
  std::printf("  aliases:  %s\n", aliases.empty() ? "(none)" : aliases.c_str());
  std::printf("  metadata: %s\n", v.meta_json.c_str());
  std::printf("  metrics:  %s\n", v.metrics_json.c_str());
  if (v.run_id) std::printf("  run:      %lld\n", static_cast<long long>(*v.run_id));
}

struct PutArgs {
  std::string name, file, meta = "{}", metrics = "{}";
  std::optional<int64_t> version;
  int64_t run = 0;
};

}  // namespace

void AddModelCommands(CLI::App& app, Context* ctx) {
  CLI::App* model = app.add_subcommand("model", "store, version, load and verify model files (deduplicated)");
  model->require_subcommand(1);
  model->footer(
      "Examples:\n"
      "  strata model put alpha model.safetensors --meta '{\"framework\":\"torch\",\"dtype\":\"F16\"}'\n"
      "  strata model get alpha@production alpha.safetensors\n"
      "  strata model diff alpha@1 alpha@2\n"
      "  strata model promote alpha@2 --stage production\n"
      "  strata model archive alpha@1\n"
      "  strata model stats");

  auto put_args = std::make_shared<PutArgs>();
  CLI::App* put = model->add_subcommand("put", "store FILE as a new version of model NAME");
  put->add_option("name", put_args->name, "model name (letters, digits, _ - . /)")->required();
  put->add_option("file", put_args->file, "the file to store")->required();
  put->add_option("--version", put_args->version, "version number (default: one more than the highest)");
  put->add_option("--meta", put_args->meta, "metadata JSON object (format, framework, dtype, tags, ...)");
  put->add_option("--metrics", put_args->metrics, "metrics JSON object");
  put->add_option("--run", put_args->run, "id of the run that produced it (lineage; it must exist: strata run start)");
  put->footer(
      "Examples:\n"
      "  strata model put alpha model.safetensors\n"
      "  strata model put alpha ft.safetensors --version 7 --metrics '{\"sharpe\":1.9}' --run 12");
  put->callback([ctx, put_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      artifacts::PutOptions po;
      po.version = put_args->version;
      if (put_args->run != 0) po.run_id = put_args->run;
      po.meta_json = put_args->meta;
      po.metrics_json = put_args->metrics;
      auto start = std::chrono::steady_clock::now();
      ASSIGN_OR_RETURN(auto r, store->Put(put_args->name, put_args->file, po));
      std::printf("stored %s version %lld: %s in %llu chunks, %s new (%s stored) in %.2f s\n", put_args->name.c_str(),
                  static_cast<long long>(r.version), HumanBytes(r.size).c_str(),
                  static_cast<unsigned long long>(r.chunks), HumanBytes(r.new_raw_bytes).c_str(),
                  HumanBytes(r.new_stored_bytes).c_str(), SecondsSince(start));
      return Status::OK();
    });
  });

  auto get_args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* get = model->add_subcommand("get", "write a version to OUT (every chunk verified)");
  get->add_option("ref", get_args->first, "NAME, NAME@VERSION or NAME@ALIAS (default: latest)")->required();
  get->add_option("out", get_args->second, "output file")->required();
  get->footer("Examples:\n  strata model get alpha out.safetensors\n  strata model get alpha@3 v3.safetensors");
  get->callback([ctx, get_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(get_args->first));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      auto start = std::chrono::steady_clock::now();
      RETURN_IF_ERROR(store->Get(ref.name, ref.ref, get_args->second));
      ASSIGN_OR_RETURN(auto v, store->Resolve(ref.name, ref.ref));
      std::printf("wrote %s version %lld (%s) to %s in %.2f s\n", ref.name.c_str(), static_cast<long long>(v.version),
                  HumanBytes(v.size).c_str(), get_args->second.c_str(), SecondsSince(start));
      return Status::OK();
    });
  });

  auto list_name = std::make_shared<std::string>();
  CLI::App* list = model->add_subcommand("list", "list models, or the versions of NAME");
  list->add_option("name", *list_name, "model name");
  list->footer("Examples:\n  strata model list\n  strata model list alpha");
  list->callback([ctx, list_name] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      if (list_name->empty()) {
        ASSIGN_OR_RETURN(auto models, store->ListModels());
        if (models.empty()) std::printf("no models (store one with `strata model put NAME FILE`)\n");
        for (const auto& m : models) {
          std::printf("%-30s %4lld versions  latest %-4lld %s\n", m.name.c_str(), static_cast<long long>(m.versions),
                      static_cast<long long>(m.latest), HumanBytes(m.bytes).c_str());
        }
        return Status::OK();
      }
      ASSIGN_OR_RETURN(auto versions, store->ListVersions(*list_name));
      for (const auto& v : versions) {
        std::string aliases;
        for (const std::string& a : v.aliases) aliases += " @" + a;
        std::printf("%s@%-5lld %-10s %10s  %s%s\n", v.model.c_str(), static_cast<long long>(v.version), v.stage.c_str(),
                    HumanBytes(v.size).c_str(), v.sha256.substr(0, 16).c_str(), aliases.c_str());
      }
      return Status::OK();
    });
  });

  auto show_ref = std::make_shared<std::string>();
  CLI::App* show = model->add_subcommand("show", "show a version's size, hash, stage, aliases, metadata, metrics");
  show->add_option("ref", *show_ref, "NAME[@VERSION|@ALIAS]")->required();
  show->footer("Examples:\n  strata model show alpha\n  strata model show alpha@production");
  show->callback([ctx, show_ref] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(*show_ref));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      ASSIGN_OR_RETURN(auto v, store->Resolve(ref.name, ref.ref));
      PrintVersion(v);
      return Status::OK();
    });
  });

  auto diff_args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* diff = model->add_subcommand("diff", "bytes of B shared with A and new in B");
  diff->add_option("a", diff_args->first, "NAME[@REF]")->required();
  diff->add_option("b", diff_args->second, "NAME[@REF]")->required();
  diff->footer("Examples:\n  strata model diff alpha@1 alpha@2\n  strata model diff alpha beta@production");
  diff->callback([ctx, diff_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef a, artifacts::ParseModelRef(diff_args->first));
      ASSIGN_OR_RETURN(ModelRef b, artifacts::ParseModelRef(diff_args->second));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      ASSIGN_OR_RETURN(auto d, store->Diff(a.name, a.ref, b.name, b.ref));
      std::printf("%s: %s\n%s: %s\n", diff_args->first.c_str(), HumanBytes(d.a_bytes).c_str(),
                  diff_args->second.c_str(), HumanBytes(d.b_bytes).c_str());
      std::printf("shared: %s (%s of B, %llu chunks)\n", HumanBytes(d.shared_bytes).c_str(),
                  Percent(d.shared_bytes, d.b_bytes).c_str(), static_cast<unsigned long long>(d.shared_chunks));
      std::printf("new:    %s (%s of B, %llu chunks)\n", HumanBytes(d.new_bytes).c_str(),
                  Percent(d.new_bytes, d.b_bytes).c_str(), static_cast<unsigned long long>(d.new_chunks));
      return Status::OK();
    });
  });

  auto promote_args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* promote = model->add_subcommand("promote", "set a version's stage (production also moves @production)");
  promote->add_option("ref", promote_args->first, "NAME@VERSION")->required();
  promote->add_option("--stage", promote_args->second, "staging, production or archived")->required();
  promote->footer(
      "Examples:\n  strata model promote alpha@3 --stage production\n  strata model promote alpha@1 --stage archived");
  promote->callback([ctx, promote_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(promote_args->first));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      RETURN_IF_ERROR(store->Promote(ref.name, ref.ref, promote_args->second));
      std::printf("%s is now %s\n", promote_args->first.c_str(), promote_args->second.c_str());
      return Status::OK();
    });
  });

  struct AliasArgs {
    std::string ref, alias;
    bool remove = false;
  };
  auto alias_args = std::make_shared<AliasArgs>();
  CLI::App* alias = model->add_subcommand("alias", "point ALIAS at a version (or remove it)");
  alias->add_option("ref", alias_args->ref, "NAME@VERSION (or NAME with --remove)")->required();
  alias->add_option("alias", alias_args->alias, "alias name (not 'latest' or digits)")->required();
  alias->add_flag("--remove", alias_args->remove, "remove the alias");
  alias->footer("Examples:\n  strata model alias alpha@4 champion\n  strata model alias alpha champion --remove");
  alias->callback([ctx, alias_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(alias_args->ref));
      if (!alias_args->remove && ref.ref.empty()) {
        return Status::InvalidArgument("model alias needs NAME@VERSION (or --remove)");
      }
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      RETURN_IF_ERROR(store->SetAlias(ref.name, alias_args->alias, alias_args->remove ? "" : ref.ref));
      std::printf(alias_args->remove ? "removed %s@%s\n" : "%s@%s set\n", ref.name.c_str(), alias_args->alias.c_str());
      return Status::OK();
    });
  });

  auto rm_ref = std::make_shared<std::string>();
  CLI::App* rm = model->add_subcommand("rm", "remove a version (NAME@V) or a whole model (NAME); `gc` frees space");
  rm->add_option("ref", *rm_ref, "NAME or NAME@VERSION")->required();
  rm->footer("Examples:\n  strata model rm alpha@1\n  strata model rm alpha && strata model gc");
  rm->callback([ctx, rm_ref] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(*rm_ref));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      RETURN_IF_ERROR(
          store->Remove(ref.name, ref.ref.empty() ? std::nullopt : std::optional<std::string_view>(ref.ref)));
      std::printf("removed %s (run `strata model gc` to free its chunks)\n", rm_ref->c_str());
      return Status::OK();
    });
  });

  struct ArchiveArgs {
    std::string ref;
    bool all = false, keep_local = false;
  };
  auto archive_args = std::make_shared<ArchiveArgs>();
  CLI::App* archive = model->add_subcommand("archive", "move versions' packs to the cold store (local dir or S3)");
  archive->add_option("ref", archive_args->ref, "NAME@VERSION, or NAME for all its non-production versions");
  archive->add_flag("--all", archive_args->all, "every non-production version of every model");
  archive->add_flag("--keep-local", archive_args->keep_local, "upload and verify, but keep the local pack files");
  archive->footer(
      "Copies the packs of the chosen versions to <cold>/models/packs/ (the database's cold location,\n"
      "`strata init --cold`, or the catalog setting models_cold_location), reads each upload back and\n"
      "checks its size and SHA-256, records it in the catalog, sets the versions' stage to archived,\n"
      "then deletes the local pack files that only archived versions use. Production versions are\n"
      "never archived. Without NAME or --all: the versions already promoted to --stage archived.\n"
      "Archived versions still load (from the cold tier, every chunk verified); `restore` brings\n"
      "one back to local disk. Safe to interrupt and re-run.\n"
      "Examples:\n"
      "  strata model archive alpha@1\n"
      "  strata model archive alpha --keep-local\n"
      "  strata model archive --all");
  archive->callback([ctx, archive_args] {
    Run(ctx, [&]() -> Status {
      artifacts::ArchiveOptions options;
      options.all = archive_args->all;
      options.keep_local = archive_args->keep_local;
      if (!archive_args->ref.empty()) {
        ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(archive_args->ref));
        options.name = ref.name;
        if (!ref.ref.empty()) options.ref = ref.ref;
      }
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      auto start = std::chrono::steady_clock::now();
      ASSIGN_OR_RETURN(auto r, store->Archive(options));
      std::printf(
          "archived %zu version(s): uploaded %llu packs (%s, verified), %llu already in the cold store; removed "
          "%llu local packs (%s), kept %llu local (used by versions not archived%s) in %.2f s\n",
          r.versions.size(), static_cast<unsigned long long>(r.packs_uploaded), HumanBytes(r.bytes_uploaded).c_str(),
          static_cast<unsigned long long>(r.packs_already_cold), static_cast<unsigned long long>(r.packs_removed_local),
          HumanBytes(r.bytes_removed_local).c_str(), static_cast<unsigned long long>(r.packs_kept_local),
          options.keep_local ? " or --keep-local" : "", SecondsSince(start));
      return Status::OK();
    });
  });

  auto restore_ref = std::make_shared<std::string>();
  CLI::App* restore = model->add_subcommand("restore", "bring an archived version's packs back to local disk");
  restore->add_option("ref", *restore_ref, "NAME@VERSION")->required();
  restore->footer(
      "Fetches the version's cold-only packs (size and SHA-256 checked), and sets its stage back to staging.\n"
      "Examples:\n  strata model restore alpha@1");
  restore->callback([ctx, restore_ref] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(ModelRef ref, artifacts::ParseModelRef(*restore_ref));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      auto start = std::chrono::steady_clock::now();
      ASSIGN_OR_RETURN(auto r, store->Restore(ref.name, ref.ref));
      std::printf("restored %s: %llu packs (%s) in %.2f s\n", restore_ref->c_str(),
                  static_cast<unsigned long long>(r.packs_restored), HumanBytes(r.bytes_restored).c_str(),
                  SecondsSince(start));
      return Status::OK();
    });
  });

  CLI::App* gc = model->add_subcommand("gc", "delete chunks no version uses (safe while others read)");
  gc->footer("Examples:\n  strata model gc");
  gc->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      ASSIGN_OR_RETURN(auto g, store->Gc());
      std::printf("removed %llu chunks, rewrote %llu packs, removed %llu orphan files, reclaimed %s\n",
                  static_cast<unsigned long long>(g.chunks_removed), static_cast<unsigned long long>(g.packs_rewritten),
                  static_cast<unsigned long long>(g.orphan_files_removed), HumanBytes(g.bytes_reclaimed).c_str());
      if (g.cold_packs_removed + g.cold_orphans_removed > 0) {
        std::printf("cold store: removed %llu unused packs (%s) and %llu orphan objects\n",
                    static_cast<unsigned long long>(g.cold_packs_removed), HumanBytes(g.cold_bytes_reclaimed).c_str(),
                    static_cast<unsigned long long>(g.cold_orphans_removed));
      }
      return Status::OK();
    });
  });

  CLI::App* stats = model->add_subcommand("stats", "logical and stored bytes, dedup and compression ratios");
  stats->footer("Examples:\n  strata model stats");
  stats->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      ASSIGN_OR_RETURN(auto s, store->Stats());
      std::printf("models:            %llu (%llu versions)\n", static_cast<unsigned long long>(s.models),
                  static_cast<unsigned long long>(s.versions));
      std::printf("logical bytes:     %s (%s)\n", HumanBytes(s.logical_bytes).c_str(),
                  WithThousands(s.logical_bytes).c_str());
      std::printf("unique chunk bytes:%s (%llu chunks)\n", (" " + HumanBytes(s.unique_raw_bytes)).c_str(),
                  static_cast<unsigned long long>(s.chunks));
      std::printf("stored bytes:      %s (%s)\n", HumanBytes(s.stored_bytes).c_str(),
                  WithThousands(s.stored_bytes).c_str());
      std::printf("pack bytes:        %s in %llu packs\n", HumanBytes(s.pack_bytes).c_str(),
                  static_cast<unsigned long long>(s.packs));
      std::printf("local disk:        %s in %llu packs (%llu also in the cold store)\n",
                  HumanBytes(s.local_disk_bytes()).c_str(),
                  static_cast<unsigned long long>(s.local_packs + s.both_packs),
                  static_cast<unsigned long long>(s.both_packs));
      std::printf("cold store:        %s in %llu packs (%llu only there, %s)\n",
                  HumanBytes(s.cold_store_bytes()).c_str(),
                  static_cast<unsigned long long>(s.cold_packs + s.both_packs),
                  static_cast<unsigned long long>(s.cold_packs), HumanBytes(s.cold_pack_bytes).c_str());
      std::printf("dedup ratio:       %.2fx\n", s.dedup_ratio());
      std::printf("compression ratio: %.2fx\n", s.compression_ratio());
      std::printf("stored / logical:  %s\n", Percent(s.pack_bytes, s.logical_bytes).c_str());
      return Status::OK();
    });
  });

  CLI::App* verify =
      model->add_subcommand("verify", "re-read every chunk and check its SHA-256 (and every cold pack's)");
  verify->footer(
      "Exits non-zero and names model, version and chunk for every corrupt chunk.\nExamples:\n  strata model verify");
  verify->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
      ASSIGN_OR_RETURN(auto rep, store->Verify());
      for (const auto& c : rep.corrupt) {
        if (c.model.empty()) {
          std::printf("CORRUPT unreferenced chunk %s (%s offset %llu): %s\n", c.chunk_id.c_str(), c.pack.c_str(),
                      static_cast<unsigned long long>(c.offset), c.error.c_str());
        } else {
          std::printf("CORRUPT model %s version %lld chunk %lld (%s): %s\n", c.model.c_str(),
                      static_cast<long long>(c.version), static_cast<long long>(c.seq), c.chunk_id.c_str(),
                      c.error.c_str());
        }
      }
      for (const auto& p : rep.cold_problems) {
        std::printf("COLD pack %s (%s): %s\n", p.pack.c_str(), p.uri.c_str(), p.error.c_str());
      }
      std::printf("checked %llu chunks (%s) and %llu cold packs: %zu corrupt chunk references, %zu bad cold packs\n",
                  static_cast<unsigned long long>(rep.chunks_checked), HumanBytes(rep.bytes_checked).c_str(),
                  static_cast<unsigned long long>(rep.cold_packs_checked), rep.corrupt.size(),
                  rep.cold_problems.size());
      return rep.ToStatus();
    });
  });
}

}  // namespace strata::cli
