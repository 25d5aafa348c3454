// strata tensor info FILE
#include <cstdio>

#include "artifacts/safetensors.h"
#include "cli/cli.h"

namespace strata::cli {

void AddTensorCommands(CLI::App& app, Context* ctx) {
  CLI::App* tensor = app.add_subcommand("tensor", "inspect safetensors files");
  tensor->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* info = tensor->add_subcommand("info", "validate a safetensors file and list its tensors");
  info->add_option("file", *file, "a .safetensors file")->required();
  info->footer(
      "The header is checked strictly (size limit, JSON, dtypes, shapes, offsets that tile the data);\n"
      "a malformed or truncated file is refused naming the file and tensor.\n"
      "Examples:\n"
      "  strata tensor info model.safetensors");
  info->callback([ctx, file] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto f, artifacts::SafetensorsFile::Open(DefaultFileSystem(), *file));
      std::printf("%s: %zu tensors, header %s, file %s\n", file->c_str(), f->tensors().size(),
                  HumanBytes(f->header_size()).c_str(), HumanBytes(f->file_size()).c_str());
      for (const auto& [k, v] : f->metadata()) std::printf("  metadata %s = %s\n", k.c_str(), v.c_str());
      for (const auto& t : f->tensors()) {
        std::string shape = "[";
        for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape[i]);
        shape += "]";
        std::printf("  %-40s %-5s %-20s %s\n", t.name.c_str(), std::string(artifacts::DTypeName(t.dtype)).c_str(),
                    shape.c_str(), HumanBytes(t.data.size()).c_str());
      }
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
