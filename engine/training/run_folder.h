#pragma once
// What the two kinds of training run folder (training_run.h: textual inversion,
// dreambooth_run.h: DreamBooth) share: file names, settings.json and the run kind it
// records, the loss log, the pause gate between steps, previews, and the model
// fingerprint a resume checks. Every file is written atomically.
#include <cstdint>
#include <functional>
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
class Distributed;

enum class TrainingRunKind { textual_inversion, dreambooth, model };
inline constexpr const char* kTextualInversionRunFormat = "mrti-ti-run/1";
inline constexpr const char* kDreamBoothRunFormat = "mrti-dreambooth-run/1";
inline constexpr const char* kModelRunFormat = "mrti-model-run/1";  // model_training_run.h

// "step000123": checkpoint and preview files sort by step.
std::string step_tag(int64_t step);

// out_dir/settings.json, parsed. Throws naming the folder when it holds no run, or the
// file when it is not JSON.
nlohmann::json read_run_json(const std::string& out_dir);
// The kind of run in out_dir, from the format recorded in its settings.json.
TrainingRunKind training_run_kind(const std::string& out_dir);

// The absolute form of a path a run records ("" stays ""), so it resumes from any
// working folder.
std::string absolute_path(const std::string& path);

// The step the run's last checkpoint reached (0 before the first).
int64_t checkpoint_step(const std::string& out_dir);

// Refuses a resume's new step count that is negative or below the step the run reached
// (0 keeps the run's own count): those steps cannot be untrained. Returns a note when
// the count changes a learning-rate schedule that is spread over the run's steps (the
// remaining rates then differ from the ones planned), else "".
std::string check_resume_steps(const std::string& out_dir, int64_t total_steps);

// Refuses, before any training, a run whose finished concept would replace a concept of
// its library ("" = none), which may exist nowhere else, unless `replace`.
void check_library_name_free(const std::string& library_dir, const std::string& name, bool replace);

// Saves a finished run's concept into its library, marked with the run folder. A
// same-named concept there is replaced only with `replace` or when it is this run's own
// earlier result (an extended run); otherwise it stays, and `message` says so and where
// the new one is. Returns the library file written, or "".
std::string save_to_library(const std::string& library_dir, const Concept& concept, const std::string& run_dir,
                            bool replace, const std::function<void(const std::string&)>& message);

// A short fingerprint of a model's weights (parameter counts and sums per component),
// so a resume can tell a different model apart.
std::string model_fingerprint(const StableDiffusionModel& model);

// "key (run: a, now: b), ..." for every key of `run` whose value differs in `now`,
// leaving out `ignore`; "" when they agree.
std::string settings_difference(const nlohmann::json& run, const nlohmann::json& now,
                                const std::vector<std::string>& ignore);

// loss.csv: "step,timestep,scale_index,loss,lr", one row per sample (or the columns a
// run kind names, one row per step through add_row).
class LossLog {
 public:
  explicit LossLog(std::string header = "step,timestep,scale_index,loss,lr") : header_(std::move(header)) {}
  void add(int64_t step, const std::vector<int64_t>& timesteps, const std::vector<int64_t>& scale_indices, double loss,
           double lr);
  // One row: the step, then `values`.
  void add_row(int64_t step, const std::vector<double>& values);
  // The rows of steps up to `last_step` from `path` (a missing file gives none): rows
  // after a run's checkpoint were never part of it.
  void load(const std::string& path, int64_t last_step);
  void write(const std::string& path) const;
  std::size_t rows() const { return rows_.size(); }

 private:
  std::string header_;
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

// The checkpoint and preview fields both run kinds' settings have, into and out of
// settings.json (missing keys keep their values).
template <class RunSettings>
void put_cadence(nlohmann::json& j, const RunSettings& s) {
  j["checkpoint_every"] = s.checkpoint_every;
  j["preview_every"] = s.preview_every;
  j["preview_prompt"] = s.preview_prompt;
  j["preview_steps"] = s.preview_steps;
  j["preview_seed"] = s.preview_seed;
  j["preview_scales"] = s.preview_scales;
}
template <class RunSettings>
void get_cadence(const nlohmann::json& j, RunSettings& s) {
  s.checkpoint_every = j.value("checkpoint_every", s.checkpoint_every);
  s.preview_every = j.value("preview_every", s.preview_every);
  s.preview_prompt = j.value("preview_prompt", s.preview_prompt);
  s.preview_steps = j.value("preview_steps", s.preview_steps);
  s.preview_seed = j.value("preview_seed", s.preview_seed);
  s.preview_scales = j.value("preview_scales", s.preview_scales);
}

// Refuses a checkpoint or preview cadence a run could not keep (it would fail mid-run,
// and again on every resume): negative intervals, preview steps outside 1-1000, a
// preview prompt without {}.
void validate_cadence(int64_t checkpoint_every, int64_t preview_every, int preview_steps,
                      const std::string& preview_prompt);
template <class RunSettings>
void validate_cadence(const RunSettings& s) {
  validate_cadence(s.checkpoint_every, s.preview_every, s.preview_steps, s.preview_prompt);
}

// The preview part of a run's settings (both run kinds name these fields alike).
template <class RunSettings>
PreviewSettings preview_settings_of(const RunSettings& s) {
  PreviewSettings p;
  p.prompt = s.preview_prompt;
  p.steps = s.preview_steps;
  p.seed = s.preview_seed;
  p.scales = s.preview_scales;
  p.size = s.training.resolution;
  return p;
}

// What the step loop needs of a run.
struct StepLoop {
  int64_t total_steps = 0;
  int64_t images_per_step = 1;
  int64_t checkpoint_every = 0;  // 0: only at the end and on cancel
  int64_t preview_every = 0;     // 0: no previews
  PreviewSettings preview;
  std::string out_dir;
  std::function<int64_t()> current_step;
  // One optimizer step; fills step, loss, timesteps, scale_indices, lr and scale_loss_means.
  std::function<TrainingProgress()> train_step;
  std::function<std::string()> save_checkpoint;  // returns the state file
  // Writes the previews of `step` (throws Cancelled when `cancel` is set).
  std::function<void(int64_t step, const TrainingCallbacks&, const CancellationToken* cancel)> write_previews;
  // One rank of a data-parallel group (or null): only rank 0 writes checkpoints, logs and
  // previews while the others wait for it; a cancel on any rank stops all at the same step;
  // pause does not apply.
  Distributed* dist = nullptr;
};

// A StepLoop with a run's step count, cadence and folder; the run adds the callbacks.
template <class RunSettings>
StepLoop step_loop_of(const RunSettings& s) {
  StepLoop loop;
  loop.total_steps = s.training.steps;
  loop.checkpoint_every = s.checkpoint_every;
  loop.preview_every = s.preview_every;
  loop.preview = preview_settings_of(s);
  loop.out_dir = s.out_dir;
  return loop;
}

// A trainer's step result as the progress event reports it (both trainers' results name
// these fields alike).
template <class Trainer, class StepResult>
TrainingProgress progress_of(const Trainer& trainer, const StepResult& r) {
  TrainingProgress p;
  p.step = trainer.step();
  p.loss = r.loss;
  p.scale_loss_means = trainer.scale_loss_means();
  p.timesteps = r.timesteps;
  p.scale_indices = r.scale_indices;
  p.lr = r.lr;
  return p;
}

// The loop both run kinds share, until loop.total_steps: the pause gate, cancel (a
// checkpoint first), the step, its loss-log rows and progress event (with rate and time
// left), periodic checkpoints and previews. Sets out.step, out.checkpoint (on cancel) and
// out.final_loss_mean (mean loss of the last 50 steps); returns false when cancelled.
bool run_training_steps(const StepLoop& loop, LossLog& log,
                        const TrainingCallbacks& callbacks, TrainingControl* control, TrainingOutcome& out);

}  // namespace mrti
