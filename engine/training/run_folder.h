#pragma once
// What the two kinds of training run folder (training_run.h: textual inversion,
// dreambooth_run.h: DreamBooth) share: file names, settings.json and the run kind it
// records, the loss log, the pause gate between steps, previews, and the model
// fingerprint a resume checks. Every file is written atomically.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/cancellation.h"
#include "training/training_control.h"
#include "training/training_events.h"

namespace mrti {

struct StableDiffusionModel;
struct Concept;

enum class TrainingRunKind { textual_inversion, dreambooth };
inline constexpr const char* kTextualInversionRunFormat = "mrti-ti-run/1";
inline constexpr const char* kDreamBoothRunFormat = "mrti-dreambooth-run/1";

// "step000123": checkpoint and preview files sort by step.
std::string step_tag(int64_t step);

// out_dir/settings.json, parsed. Throws naming the folder when it holds no run, or the
// file when it is not JSON.
nlohmann::json read_run_json(const std::string& out_dir);
// The kind of run in out_dir, from the format recorded in its settings.json.
TrainingRunKind training_run_kind(const std::string& out_dir);

// A short fingerprint of a model's weights (parameter counts and sums per component),
// so a resume can tell a different model apart.
std::string model_fingerprint(const StableDiffusionModel& model);

// "key (run: a, now: b), ..." for every key of `run` whose value differs in `now`,
// leaving out `ignore`; "" when they agree.
std::string settings_difference(const nlohmann::json& run, const nlohmann::json& now,
                                const std::vector<std::string>& ignore);

// loss.csv: "step,timestep,scale_index,loss,lr", one row per sample.
class LossLog {
 public:
  void add(int64_t step, const std::vector<int64_t>& timesteps, const std::vector<int64_t>& scale_indices, double loss,
           double lr);
  // The rows of steps up to `last_step` from `path` (a missing file gives none): rows
  // after a run's checkpoint were never part of it.
  void load(const std::string& path, int64_t last_step);
  void write(const std::string& path) const;
  std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> rows_;
};

// Called before each step: waits while `control` is paused (setting control->idle and
// calling on_paused), then returns the lock on control->model_mutex that the step and
// its previews hold (an empty lock without control).
std::unique_lock<std::mutex> wait_for_next_step(TrainingControl* control, const TrainingCallbacks& callbacks);

struct PreviewSettings {
  std::string prompt = "a photo of {}";  // {} = <name|k|>
  int steps = 20;
  int64_t seed = 1234;
  std::vector<int64_t> scales;  // empty: 0, N/2, N-1
  int size = 512;
};

// One image per scale with the concept as it is now, written to
// out_dir/previews/stepNNNNNN-kK.png and passed to on_preview. Throws Cancelled when
// `cancel` is set.
void write_previews(StableDiffusionModel& model, const Concept& concept, const PreviewSettings& settings, int64_t step,
                    const std::string& out_dir, const TrainingCallbacks& callbacks, const CancellationToken* cancel);

// Step-loop bookkeeping: the rate and time left of this session's steps, and the mean
// loss of the last 50 steps.
class StepClock {
 public:
  void add(double seconds, double loss);
  double images_per_second(int64_t images_per_step) const;
  double seconds_left(int64_t steps_left) const;
  double recent_loss_mean() const;

 private:
  double seconds_ = 0;
  int64_t steps_ = 0;
  std::vector<double> recent_;
};

}  // namespace mrti
