#include "cli/cli_common.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>

#include "models/generation_defaults.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>

#include <unistd.h>

#include "pipeline/memory_format.h"
#include "pipeline/picture_parameters.h"
#include "runtime/bfloat16_math.h"
#include "runtime/cpu_setup.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"

namespace mrti::cli {

std::pair<int, int> parse_size(const std::string& text) {
  static const std::regex re(R"((\d{1,5})\s*[xX*]\s*(\d{1,5}))");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error("invalid size '" + text + "': expected WIDTHxHEIGHT, e.g. 512x512");
  return {std::stoi(m[1]), std::stoi(m[2])};
}

ProgressBar::ProgressBar(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), tty_(::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_line_(start_) {}

void ProgressBar::update(int done, int total, const std::string& suffix) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  char stats[96];
  if (unit_.empty())
    std::snprintf(stats, sizeof stats, "%3d%%", total > 0 ? done * 100 / total : 0);
  else
    std::snprintf(stats, sizeof stats, "%d/%d  %.2f %s/s", done, total, rate, unit_.c_str());
  if (tty_) {
    const int width = 30;
    const int filled = total > 0 ? done * width / total : 0;
    std::cerr << "\r" << label_ << " [" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
              << stats << (suffix.empty() ? "" : "  ") << suffix << "   " << std::flush;
  } else {
    const int decile = total > 0 ? done * 10 / total : 0;
    if (decile != last_decile_ || now - last_line_ >= std::chrono::minutes(1)) {
      last_decile_ = decile;
      last_line_ = now;
      std::cerr << label_ << " " << stats << (suffix.empty() ? "" : "  ") << suffix << "\n";
    }
  }
}

void ProgressBar::note(const std::string& line) { std::cerr << (tty_ ? "\n" : "") << line << "\n"; }

void ProgressBar::finish() {
  if (tty_) std::cerr << "\n";
}

void add_model_options(CLI::App* cmd, ModelArgs& m, bool vae_fp32) {
  cmd->add_option("--model", m.model, "Diffusers folder or single-file checkpoint (default: the shipped model)");
  cmd->add_option("--config-dir", m.config_dir, "Diffusers folder with configs for a non-standard single file");
  cmd->add_option("--device", m.device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  cmd->add_option("--dtype", m.dtype, "fp32, fp16, bf16 or auto (fp16 on CUDA, fp32 on CPU)")->capture_default_str();
  cmd->add_flag("--int8", m.int8,
                "Int8 weights for the UNet's linear layers and 1x1 convolutions (CPU; faster where LibTorch has "
                "FBGEMM or oneDNN int8 kernels, nearly the same picture)");
  cmd->add_flag("--cuda-graphs", m.cuda_graphs,
                "CUDA: replay the UNet step as a CUDA graph (less launch work per step, same picture)");
  if (vae_fp32) {
    cmd->add_flag("--vae-fp32", m.vae_fp32, "Decode with the VAE in float32");
    cmd->add_flag("--vae-tiling", m.vae_tiling,
                  "Decode pictures larger than the model's size in blended tiles (less memory, nearly the same "
                  "picture)");
  }
  cmd->add_option("--threads", m.threads, "CPU threads (0 = all cores)");
  add_bf16_math_option(cmd);
}

void add_bf16_math_option(CLI::App* cmd) {
  cmd->add_option_function<std::string>(
         "--bf16-math", [](const std::string& name) { set_cpu_bfloat16_math(parse_bfloat16_math(name)); },
         "How bf16 models compute on the CPU: auto (native where it has AVX512-BF16 or AMX, else float32 "
         "arithmetic on the bf16 weights, many times faster there), native or float32 (default: $MRTI_BF16_MATH, "
         "else auto)")
      ->check([](const std::string& name) {
        try {
          parse_bfloat16_math(name);
          return std::string();
        } catch (const Error& e) {
          return std::string(e.what());
        }
      });
}

void add_sampling_options(CLI::App* cmd, SamplingArgs& s, const std::string& seed_help) {
  cmd->add_option("--negative", s.p.negative_prompt, "The negative prompt");
  cmd->add_option("--sampler", s.p.sampler,
                  "pndm, ddim, lms, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddpm (default: the model's)");
  cmd->add_option("--steps", s.p.steps, "Sampling steps (default: the model's, else 20)")
      ->each([&s](const std::string&) { s.steps_given = true; });
  cmd->add_option("--cfg", s.p.guidance, "Guidance scale (default: the model's, else 7.5)")
      ->each([&s](const std::string&) { s.cfg_given = true; });
  cmd->add_option("--eta", s.p.eta, "DDIM eta (0 = deterministic)")->capture_default_str();
  cmd->add_option("--deep-cache", s.p.deep_cache_interval,
                  "Compute the UNet's deep features only every N steps and reuse them between (DeepCache; 1 = off, "
                  "3 to 5 trade a little fidelity for speed)")
      ->capture_default_str();
  cmd->add_option("--tome", s.p.token_merge_ratio,
                  "Merge this fraction of the tokens in the highest-resolution self-attention (ToMe; 0 = off, "
                  "0.5 typical)")
      ->capture_default_str();
  cmd->add_option("--seed", s.p.seed, seed_help)->capture_default_str();
  cmd->add_option("--size", s.size, "WIDTHxHEIGHT, multiples of 8 (default: the size the model was trained at)");
  cmd->add_option("--init-latents", s.init_latents, "safetensors file with unscaled initial latents 'latents'");
}

TextToImageRequest sampling_request(const SamplingArgs& s, const ModelArgs& m) {
  if (s.steps_given && s.p.steps < 1) throw Error("steps must be at least 1 (got " + std::to_string(s.p.steps) + ")");
  std::string size = s.size;
  int steps = s.steps_given ? s.p.steps : 0;
  double cfg = s.cfg_given ? s.p.guidance : std::numeric_limits<double>::quiet_NaN();
  apply_model_defaults(m.model, size, steps, cfg);
  if (!s.p.sampler.empty()) {
    const auto names = scheduler_names();
    if (std::find(names.begin(), names.end(), s.p.sampler) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw Error("unknown sampler '" + s.p.sampler + "': use one of " + list);
    }
  }
  TextToImageRequest r;
  static_cast<SamplingParameters&>(r) = s.p;
  r.steps = steps;
  r.guidance = cfg;
  r.decode_vae_in_float32 = m.vae_fp32;
  r.decode_vae_in_tiles = m.vae_tiling;
  r.previews = false;
  std::tie(r.width, r.height) = parse_size(size);
  if (!s.init_latents.empty()) r.initial_latents = read_initial_latents(s.init_latents);
  return r;
}

StableDiffusionModel load_model_for_cli(const ModelArgs& m) {
  return load_model_for_cli(m.model, m.device, m.dtype, m.config_dir, m.vae_fp32, m.int8, m.cuda_graphs);
}

StableDiffusionModel load_model_for_cli(const std::string& path, const std::string& device_name,
                                        const std::string& dtype_name_, const std::string& config_dir,
                                        bool vae_float32, bool int8_weights, bool cuda_graphs) {
  const auto warning = blas_warning();
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  ModelLoadOptions options;
  options.device = parse_device(device_name);
  options.dtype = parse_dtype(dtype_name_, options.device);
  options.config_dir = config_dir;
  options.vae_float32 = vae_float32;
  options.int8_weights = int8_weights;
  options.cuda_graphs = cuda_graphs;
  ProgressBar bar("loading", "");
  options.progress = [&](const std::string& component, double fraction) {
    bar.update(static_cast<int>(fraction * 100), 100, component);
  };
  auto model = load_stable_diffusion(path, options);
  bar.finish();
  if (compute_dtype(model.device, model.dtype) != model.dtype)
    std::cerr << "bf16 weights with float32 arithmetic: this CPU has no AVX512-BF16 or AMX, where LibTorch "
                 "emulates bf16 many times slower (--bf16-math native to use it anyway)\n";
  use_preferred_memory_format(model);
  return model;
}

int next_image_number(const std::string& dir) {
  static const std::regex re(R"((\d{5})-.*\.png)");
  int next = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::smatch m;
    const auto name = e.path().filename().string();
    if (std::regex_match(name, m, re)) next = std::max(next, std::stoi(m[1]) + 1);
  }
  return next;
}

std::string image_number(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", n);
  return buf;
}

at::Tensor read_initial_latents(const std::string& file) {
  auto contents = read_safetensors(file);
  auto it = contents.tensors.find("latents");
  if (it == contents.tensors.end()) throw Error("'" + file + "' has no tensor named 'latents'");
  auto latents = it->second.to(at::kFloat).clone();
  return latents.dim() == 3 ? latents.unsqueeze(0) : latents;
}

GenerationParameters run_parameters(const StableDiffusionModel& model, const std::string& model_path,
                                    const TextToImageRequest& request) {
  GenerationParameters p = picture_parameters(model, model_path, request);
  if (request.decode_vae_in_tiles) p.extra["VAE tiling"] = "true";
  return p;
}

std::string resolve_model(const std::string& model) { return model_or_shipped(model); }

void apply_model_defaults(const std::string& model, std::string& size, int& steps, double& guidance) {
  const GenerationDefaults d = generation_defaults(model);
  if (size.empty()) size = std::to_string(d.width) + "x" + std::to_string(d.height);
  if (steps <= 0) steps = d.steps;
  if (std::isnan(guidance)) guidance = d.guidance;
}

}  // namespace mrti::cli
