#pragma once
// What a training run (textual inversion or DreamBooth) reports while it trains, and
// what it returns. Plain C++ (no torch beyond the image type), shared by both run kinds.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imaging/image.h"

namespace mrti {

struct TrainingProgress {
  int64_t step = 0, total_steps = 0;
  double loss = 0;
  std::vector<double> scale_loss_means;  // one per scale index (NaN until sampled)
  std::vector<int64_t> timesteps, scale_indices;
  double lr = 0;
  double images_per_second = 0;
  double seconds_left = 0;
};

struct TrainingPreview {
  int64_t step = 0;
  int64_t scale_index = 0;
  Image image;
  std::string path;
};

struct TrainingCallbacks {
  std::function<void(const TrainingProgress&)> on_step;
  std::function<void(const TrainingPreview&)> on_preview;
  std::function<void(const std::string&)> on_message;  // checkpoints written, notes
  std::function<void(bool paused)> on_paused;  // the run stopped (true) or went on (false) at a pause
};

struct TrainingOutcome {
  bool finished = false;  // false: cancelled (a checkpoint was saved)
  int64_t step = 0;
  std::string concept_path;   // in the run folder (finished runs)
  std::string library_path;   // "" when not saved into a library
  std::string checkpoint;     // the last checkpoint's state file
  double final_loss_mean = 0;  // mean loss of the last (up to 50) steps
  std::string model_dir;      // DreamBooth: the fine-tuned diffusers folder (finished runs)
};

}  // namespace mrti
