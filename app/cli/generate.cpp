// mrti generate: text to image from the command line.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <regex>

#include <torch/torch.h>

#include "cli/cli_common.h"
#include "cli/cli_files.h"
#include "cli/commands.h"
#include "imaging/generation_parameters.h"
#include "imaging/grid.h"
#include "imaging/png_io.h"
#include "multires/multires_pipeline.h"
#include "pipeline/text_to_image_pipeline.h"
#include "runtime/cpu_setup.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"

namespace mrti::cli {
namespace fs = std::filesystem;

namespace {

struct GenerateArgs {
  ModelArgs m;
  SamplingArgs s;
  std::string out = "output", save_latents, concepts;
  bool grid = false, interpolate = false, force = false;
};

void run_generate(GenerateArgs a) {
  configure_threads(a.m.threads);
  a.m.model = resolve_model(a.m.model);
  TextToImageRequest req = sampling_request(a.s, a.m);
  if (!a.save_latents.empty()) refuse_existing_file(a.save_latents, a.force);
  validate_request(req);  // before the (slow) model load
  // Concept references are checked before the model load too; without --concepts the
  // prompt is plain text, as it always was.
  if (a.interpolate && a.concepts.empty()) throw Error("--interpolate needs --concepts");
  ConceptSet concepts;
  std::vector<std::string> used;
  if (!a.concepts.empty()) {
    const ConceptLibrary lib(a.concepts, false);
    const ConceptScales scales = lib.scales();
    PromptParseOptions po;
    used = parse_prompt(req.prompt, scales, po).concept_names();
    po.what = "negative prompt";
    for (const auto& n : parse_prompt(req.negative_prompt, scales, po).concept_names())
      if (std::find(used.begin(), used.end(), n) == used.end()) used.push_back(n);
    concepts = lib.load_all(used);
  }
  fs::create_directories(a.out);

  auto model = load_model_for_cli(a.m);
  ProgressBar bar("sampling");
  const auto on_step = [&](const StepEvent& ev) {
    bar.update(ev.step, ev.total, "t=" + std::to_string(static_cast<int>(ev.timestep)));
  };
  TextToImageResult result;
  std::vector<std::string> warnings;
  if (!a.concepts.empty()) {
    MultiresOptions options;
    options.interpolate = a.interpolate;
    auto m = multires_text_to_image(model, req, concepts, options, on_step);
    result = std::move(m.result);
    warnings = std::move(m.warnings);
  } else {
    result = text_to_image(model, req, on_step);
  }
  bar.finish();
  if (model.unet_graph && !model.unet_graph->failure().empty())
    warnings.push_back(model.unet_graph->failure() + "; the UNet ran without it");
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";

  GenerationParameters p = run_parameters(model, a.m.model, req);
  p.prompt = req.prompt;
  if (!used.empty()) p.extra["Concepts"] = concepts_parameter(concepts, used);
  if (a.interpolate) p.extra["Interpolate"] = "true";
  // Images are never written over: each takes a number no file of its name has.
  int number = next_image_number(a.out);
  for (size_t i = 0; i < result.images.size(); ++i) {
    p.seed = result.seeds[i];
    const auto name = [&](int n) { return image_number(n) + "-" + std::to_string(p.seed) + ".png"; };
    number = unused_number(a.out, number, [&](int n) { return std::vector<std::string>{name(n)}; });
    const auto path = fs::path(a.out) / name(number++);
    write_png(path.string(), result.images[i], to_png_text(p));
    std::cout << path.string() << "\n";
  }
  if (a.grid && result.images.size() > 1) {
    p.seed = result.seeds.front();
    const auto name = [](int n) { return "grid-" + image_number(n) + ".png"; };
    number = unused_number(a.out, number, [&](int n) { return std::vector<std::string>{name(n)}; });
    const auto path = fs::path(a.out) / name(number);
    write_png(path.string(), make_grid(result.images, 0), to_png_text(p));
    std::cout << path.string() << "\n";
  }
  if (!a.save_latents.empty()) {
    save_safetensors(a.save_latents, {{"latents", result.final_latents.contiguous()}},
                     {{"kind", "final latents before VAE decode"}, {"seeds", std::to_string(result.seeds.front())}});
    std::cout << a.save_latents << "\n";
  }
}

}  // namespace

void add_generate(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Generate images from a prompt");
  add_model_options(cmd, a->m);
  add_sampling_options(cmd, a->s, "Seed of the first image (image i uses seed+i); -1 = random");
  cmd->add_option("--prompt", a->s.p.prompt, "The prompt")->required();
  cmd->add_option("--batch", a->s.p.batch, "Images per run")->capture_default_str();
  cmd->add_option("--out", a->out, "Output folder")->capture_default_str();
  cmd->add_flag("--grid", a->grid, "Also write a grid of the batch");
  cmd->add_option("--concepts", a->concepts, "Concept library folder: enables <name|k|>, <name[k]>, <name(k)> in prompts");
  cmd->add_flag("--interpolate", a->interpolate, "Blend neighbouring scales for decimal resolutions such as <cat(0.25)>");
  cmd->add_option("--save-latents", a->save_latents, "Write the final latents (before the VAE) to this safetensors file");
  cmd->add_flag("--force", a->force, "Replace an existing --save-latents file (images are never replaced)");
  cmd->callback([a] { run_generate(*a); });
}

}  // namespace mrti::cli
