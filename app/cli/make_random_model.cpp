// mrti make-random-model: a full-size model with random weights, for benchmarks.
#include <iostream>

#include "cli/cli_files.h"
#include "cli/commands.h"
#include "models/random_model.h"
#include "runtime/device.h"

namespace mrti::cli {

void add_make_random_model(CLI::App& app) {
  struct Args {
    std::string arch = "sd15", tokenizer, out, dtype = "fp32";
    uint64_t seed = 0;
    bool force = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("make-random-model",
                                 "Write a full-size SD model with random weights (diffusers layout) for benchmarks");
  cmd->add_option("--arch", a->arch, "sd15 or sd21")->capture_default_str();
  cmd->add_option("--tokenizer", a->tokenizer, "Folder with vocab.json and merges.txt")->required();
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_option("--dtype", a->dtype, "fp32, fp16 or bf16 weights")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the random weights")->capture_default_str();
  cmd->add_flag("--force", a->force, "Write into a non-empty --out folder (never over a model: model_index.json)");
  cmd->callback([a] {
    // Its component folders would land over whatever the folder holds.
    refuse_foreign_folder(a->out, a->force, [](const std::string&) { return false; });
    RandomModelOptions o;
    o.arch = a->arch;
    o.tokenizer_dir = a->tokenizer;
    // fp16 weights are only stored here, never computed with on the CPU.
    o.dtype = a->dtype == "fp16" ? c10::kHalf : parse_dtype(a->dtype, c10::Device(c10::kCPU));
    o.seed = a->seed;
    o.progress = [](const std::string& c) { std::cerr << "writing " << c << "\n"; };
    write_random_model(a->out, o);
    std::cout << a->out << "\n";
  });
}

}  // namespace mrti::cli
