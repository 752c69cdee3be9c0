// mrti schedule: which embedding each concept token uses at every sampling step.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "models/generation_defaults.h"
#include "models/config_json.h"
#include "models/standard_configs.h"
#include "multires/active_intervals.h"
#include "multires/concept_library.h"
#include "runtime/error.h"

namespace mrti::cli {
namespace fs = std::filesystem;
namespace {

struct ScheduleArgs {
  std::string model, sampler, concepts, prompt, negative;
  int steps = 20;
  int64_t num_scales = 10;
  bool interpolate = false, json = false;
};

// The scheduler settings of a diffusers folder; SD 1.5's for a single file or no model
// (every SD 1.x/2.x checkpoint uses the same 1000-step training schedule).
nlohmann::json scheduler_config_for(const std::string& model) {
  if (!model.empty()) {
    std::error_code ec;
    if (!fs::exists(model, ec)) throw Error("model '" + model + "' does not exist");
    const fs::path cfg = fs::path(model) / "scheduler" / "scheduler_config.json";
    if (fs::is_regular_file(cfg, ec)) return read_config_json(cfg.string());
  }
  return standard_configs("sd15").scheduler;
}

void run_schedule(const ScheduleArgs& a) {
  ConceptScales scales;
  PromptParseOptions po;
  if (!a.concepts.empty())
    scales = ConceptLibrary(a.concepts, false).scales();
  else
    po.default_num_scales = a.num_scales;  // no library: any well-formed reference, N scales
  const ParsedPrompt prompt = parse_prompt(a.prompt, scales, po);
  po.what = "negative prompt";
  const ParsedPrompt negative = parse_prompt(a.negative, scales, po);
  for (const auto& w : prompt.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& w : negative.warnings) std::cerr << "warning: " << w << "\n";
  const auto map = active_interval_map(scheduler_config_for(a.model.empty() ? shipped_model_dir() : a.model), a.sampler, a.steps, prompt, &negative,
                                       a.interpolate);
  if (a.json)
    std::cout << active_interval_map_json(map).dump(2) << "\n";
  else
    std::cout << format_active_interval_map(map);
}

}  // namespace

void add_schedule(CLI::App& app) {
  auto a = std::make_shared<ScheduleArgs>();
  auto* cmd = app.add_subcommand(
      "schedule", "Show which embedding each concept token of a prompt uses at every sampling step");
  cmd->add_option("prompt", a->prompt, "The prompt, e.g. \"a photo of <cat[3]>\"")->required();
  cmd->add_option("--model", a->model, "Diffusers folder whose scheduler settings to use (default: the shipped model's)");
  cmd->add_option("--sampler", a->sampler, "pndm, ddim, lms, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddpm");
  cmd->add_option("--steps", a->steps, "Sampling steps")->capture_default_str();
  cmd->add_option("--concepts", a->concepts, "Concept library folder (checks names and uses each concept's N)");
  cmd->add_option("--num-scales", a->num_scales, "N for every concept when no library is given")->capture_default_str();
  cmd->add_option("--negative", a->negative, "Negative prompt");
  cmd->add_flag("--interpolate", a->interpolate, "Blend neighbouring scales for decimal resolutions such as 0.25");
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->footer(
      "Forms: <c|k|> fixed (e_k always), <c[k]> fully (e_k while j <= k, else e_j),\n"
      "<c(k)> semi (zero while j <= k, else e_j); j = min(N-1, floor(t*N/T)).");
  cmd->callback([a] { run_schedule(*a); });
}

}  // namespace mrti::cli
