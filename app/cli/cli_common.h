#pragma once
// Pieces several subcommands share: terminal progress, size parsing, model loading.
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "imaging/generation_parameters.h"
#include "models/stable_diffusion.h"
#include "pipeline/text_to_image_pipeline.h"

namespace CLI {
class App;
}

namespace mrti::cli {

// The model options generate, sweep and bench share.
struct ModelArgs {
  std::string model, config_dir, device = "auto", dtype = "auto";
  int threads = 0;
  bool vae_fp32 = false;
  bool vae_tiling = false;
  bool int8 = false;
  bool cuda_graphs = false;
};

// Binds --model, --config-dir, --device, --dtype, --int8, --cuda-graphs, --threads, --bf16-math and (with `vae_fp32`)
// --vae-fp32 and --vae-tiling.
void add_model_options(CLI::App* cmd, ModelArgs& m, bool vae_fp32 = true);
// --bf16-math (runtime/bfloat16_math.h), set process-wide as it is parsed.
void add_bf16_math_option(CLI::App* cmd);

// The sampling options generate and sweep share. CLI11 binds them straight into `p`, the
// engine's record; size, steps and guidance come from the model when not given.
struct SamplingArgs {
  SamplingParameters p;
  std::string size, init_latents;  // "" = the model's size / seeded noise
  bool steps_given = false, cfg_given = false;
};

// Binds --negative, --sampler, --steps, --cfg, --eta, --seed (described by `seed_help`),
// --size and --init-latents; `s` must outlive `cmd`. The prompt (and generate's --batch)
// bind into `s.p` where the subcommand adds them.
void add_sampling_options(CLI::App* cmd, SamplingArgs& s, const std::string& seed_help);

// The request these options ask of the model `m` (resolved): the model's defaults for
// what is unset, the size parsed, the sampler checked, the latents read.
TextToImageRequest sampling_request(const SamplingArgs& s, const ModelArgs& m);

// "512x768" -> {512, 768}; throws mrti::Error for anything else.
std::pair<int, int> parse_size(const std::string& text);

// A one-line progress bar on stderr ("\r"-updated when stderr is a terminal; otherwise a
// line every ~10% and at least once a minute, so logs stay readable and show the rate).
class ProgressBar {
 public:
  // `unit` names what is counted in the rate ("it" gives "it/s"); "" shows no rate.
  explicit ProgressBar(std::string label, std::string unit = "it");
  void update(int done, int total, const std::string& suffix = "");
  // A line of its own between updates (on a terminal, below the bar so far).
  void note(const std::string& line);
  void finish();

 private:
  std::string label_, unit_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_line_;
};

// `model`, or the shipped model when none is named (throws when it is missing).
std::string resolve_model(const std::string& model);

// Fills what the user left unset ("" size, steps 0, guidance NaN) from the model's own
// defaults (model_index.json's _mrti_defaults, else the size its UNet was trained at).
void apply_model_defaults(const std::string& model, std::string& size, int& steps, double& guidance);

// Loads a model for the command line, printing what is loading.
StableDiffusionModel load_model_for_cli(const std::string& path, const std::string& device,
                                        const std::string& dtype, const std::string& config_dir,
                                        bool vae_float32, bool int8_weights = false, bool cuda_graphs = false);
StableDiffusionModel load_model_for_cli(const ModelArgs& m);

// The next free image number in `dir` (files are named NNNNN-..., as AUTOMATIC1111 does)
// and its five-digit form.
int next_image_number(const std::string& dir);
std::string image_number(int n);

// The tensor `latents` of an --init-latents safetensors file as [B, C, h, w] float32.
at::Tensor read_initial_latents(const std::string& file);

// What every PNG of a run carries (picture_parameters, and VAE tiling). The caller adds the
// seed and any extras.
GenerationParameters run_parameters(const StableDiffusionModel& model, const std::string& model_path,
                                    const TextToImageRequest& request);

}  // namespace mrti::cli
