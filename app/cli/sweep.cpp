// mrti sweep: one prompt at every resolution of a concept, same seed, as one grid.
#include <filesystem>
#include <iostream>
#include <memory>
#include <limits>
#include <regex>
#include <sstream>
#include <string>

#include <torch/torch.h>

#include "cli/cli_common.h"
#include "cli/cli_files.h"
#include "cli/commands.h"
#include "imaging/generation_parameters.h"
#include "imaging/png_io.h"
#include "multires/resolution_sweep.h"
#include "runtime/cpu_setup.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"

namespace mrti::cli {
namespace fs = std::filesystem;
namespace {

struct SweepArgs {
  ModelArgs m;
  SamplingArgs s;
  std::string concepts, concept_name, form = "fixed", prompt, out = "output", resolutions;
  int columns = 0, padding = 0;
  bool interpolate = false;
};

std::vector<int64_t> parse_resolutions(const std::string& text) {
  std::vector<int64_t> out;
  if (text.empty()) return out;
  std::stringstream ss(text);
  std::string item;
  static const std::regex num(R"(\s*(\d{1,4})\s*)");
  while (std::getline(ss, item, ',')) {
    std::smatch m;
    if (!std::regex_match(item, m, num))
      throw Error("invalid --resolutions '" + text + "': expected scale indices such as 0,3,9");
    out.push_back(std::stoll(m[1]));
  }
  return out;
}

void run_sweep(SweepArgs a) {
  configure_threads(a.m.threads);
  a.m.model = resolve_model(a.m.model);
  ResolutionSweepRequest req;
  req.concept_name = a.concept_name;
  req.form = parse_resolution_form(a.form);
  req.resolutions = parse_resolutions(a.resolutions);
  req.columns = a.columns;
  req.padding = a.padding;
  req.base = sampling_request(a.s, a.m);
  req.base.prompt = a.prompt;  // a template: {} is where the concept goes
  TextToImageRequest& r = req.base;
  (void)fill_prompt_template(a.prompt, "");
  validate_request(r);
  // Concepts and prompts are checked before the (slow) model load.
  const ConceptLibrary lib(a.concepts, false);
  ConceptSet concepts = lib.load_all({a.concept_name});
  {
    const ConceptScales scales = lib.scales();
    PromptParseOptions po;
    for (const auto& n : parse_prompt(a.prompt, scales, po).concept_names())
      if (!concepts.count(n)) concepts.emplace(n, lib.load(n));
    po.what = "negative prompt";
    for (const auto& n : parse_prompt(a.s.p.negative_prompt, scales, po).concept_names())
      if (!concepts.count(n)) concepts.emplace(n, lib.load(n));
  }
  fs::create_directories(a.out);

  auto model = load_model_for_cli(a.m);
  MultiresOptions options;
  options.interpolate = a.interpolate;
  ProgressBar bar("sweep");
  const auto result = resolution_sweep(model, req, concepts, options, [&](int image, int images, const StepEvent& ev) {
    bar.update(image * ev.total + ev.step, images * ev.total, "k " + std::to_string(image + 1) + "/" + std::to_string(images));
  });
  bar.finish();
  for (const auto& w : result.warnings) std::cerr << "warning: " << w << "\n";

  GenerationParameters p = run_parameters(model, a.m.model, r);
  p.seed = result.seed;
  p.extra["Concepts"] = concepts_parameter(concepts, {a.concept_name});
  if (a.interpolate) p.extra["Interpolate"] = "true";

  // Never over an existing image: a number none of this sweep's file names has.
  const auto base_of = [&](int n) {
    return image_number(n) + "-" + a.concept_name + "-" + form_name(req.form) + "-" + std::to_string(result.seed);
  };
  const std::string base = base_of(unused_number(a.out, next_image_number(a.out), [&](int n) {
    std::vector<std::string> names{base_of(n) + "-grid.png"};
    for (int64_t k : result.resolutions) names.push_back(base_of(n) + "-k" + std::to_string(k) + ".png");
    return names;
  }));
  std::string ks;
  for (size_t i = 0; i < result.images.size(); ++i) {
    p.prompt = result.prompts[i];
    p.extra["Sweep"] = "resolution " + std::to_string(result.resolutions[i]) + " of " + a.concept_name;
    const auto path = fs::path(a.out) / (base + "-k" + std::to_string(result.resolutions[i]) + ".png");
    write_png(path.string(), result.images[i], to_png_text(p));
    std::cout << path.string() << "\n";
    ks += (ks.empty() ? "" : " ") + std::to_string(result.resolutions[i]);
  }
  p.prompt = a.prompt;
  p.extra["Sweep"] = form_name(req.form) + " form of " + a.concept_name + " at resolutions " + ks;
  const auto grid = fs::path(a.out) / (base + "-grid.png");
  write_png(grid.string(), result.grid, to_png_text(p));
  std::cout << grid.string() << "\n";
}

}  // namespace

void add_sweep(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand("sweep", "Render a prompt at every resolution of a concept (same seed) into a grid");
  add_model_options(cmd, a->m);
  add_sampling_options(cmd, a->s, "Seed shared by every image; -1 = random");
  cmd->add_option("--concepts", a->concepts, "Concept library folder")->required();
  cmd->add_option("--concept", a->concept_name, "The concept to sweep")->required();
  cmd->add_option("--form", a->form, "fixed (<c|k|>), fully (<c[k]>) or semi (<c(k)>)")->capture_default_str();
  cmd->add_option("--prompt", a->prompt, "Prompt with {} where the concept goes, e.g. \"a painting of {}\"")->required();
  cmd->add_option("--resolutions", a->resolutions, "Comma-separated scale indices (default: all)");
  cmd->add_option("--columns", a->columns, "Grid columns (0 = one row)")->capture_default_str();
  cmd->add_option("--padding", a->padding, "Pixels between grid cells")->capture_default_str();
  cmd->add_flag("--interpolate", a->interpolate, "Blend neighbouring scales for decimal resolutions in the prompt");
  cmd->add_option("--out", a->out, "Output folder")->capture_default_str();
  cmd->callback([a] { run_sweep(*a); });
}

}  // namespace mrti::cli
