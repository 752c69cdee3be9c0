#include "cli/cli_common.h"

#include <cstdio>
#include <iostream>
#include <regex>

#include <unistd.h>

#include "pipeline/memory_format.h"
#include "runtime/cpu_setup.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace mrti::cli {

std::pair<int, int> parse_size(const std::string& text) {
  static const std::regex re(R"((\d{1,5})\s*[xX*]\s*(\d{1,5}))");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error("invalid size '" + text + "': expected WIDTHxHEIGHT, e.g. 512x512");
  return {std::stoi(m[1]), std::stoi(m[2])};
}

ProgressBar::ProgressBar(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), tty_(::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(int done, int total, const std::string& suffix) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
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
    if (decile != last_decile_) {
      last_decile_ = decile;
      std::cerr << label_ << " " << stats << (suffix.empty() ? "" : "  ") << suffix << "\n";
    }
  }
}

void ProgressBar::finish() {
  if (tty_) std::cerr << "\n";
}

StableDiffusionModel load_model_for_cli(const std::string& path, const std::string& device_name,
                                        const std::string& dtype_name_, const std::string& config_dir,
                                        bool vae_float32) {
  const auto warning = blas_warning();
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  ModelLoadOptions options;
  options.device = parse_device(device_name);
  options.dtype = parse_dtype(dtype_name_, options.device);
  options.config_dir = config_dir;
  options.vae_float32 = vae_float32;
  ProgressBar bar("loading", "");
  options.progress = [&](const std::string& component, double fraction) {
    bar.update(static_cast<int>(fraction * 100), 100, component);
  };
  auto model = load_stable_diffusion(path, options);
  bar.finish();
  // oneDNN's bfloat16 CPU convolutions are fast only on NHWC (~1.3x for the UNet step).
  if (model.device.is_cpu() && model.dtype == c10::kBFloat16) use_channels_last(model);
  return model;
}

}  // namespace mrti::cli
