#pragma once
// Pieces several subcommands share: terminal progress, size parsing, model loading.
#include <chrono>
#include <string>
#include <utility>

#include "models/stable_diffusion.h"

namespace mrti::cli {

// "512x768" -> {512, 768}; throws mrti::Error for anything else.
std::pair<int, int> parse_size(const std::string& text);

// A one-line progress bar on stderr ("\r"-updated when stderr is a terminal, a line
// every ~10% otherwise, so logs stay readable).
class ProgressBar {
 public:
  // `unit` names what is counted in the rate ("it" gives "it/s"); "" shows no rate.
  explicit ProgressBar(std::string label, std::string unit = "it");
  void update(int done, int total, const std::string& suffix = "");
  void finish();

 private:
  std::string label_, unit_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
};

// Loads a model for the command line, printing what is loading.
StableDiffusionModel load_model_for_cli(const std::string& path, const std::string& device,
                                        const std::string& dtype, const std::string& config_dir,
                                        bool vae_float32);

}  // namespace mrti::cli
