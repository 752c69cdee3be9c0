#pragma once
// Training as the desktop application sees it: plain C++ types (no torch, no Qt). The
// runs themselves are driven through StudioEngine (they need its loaded model); what is
// here needs no model: dataset scans, name and initializer checks, the runs list.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imaging/image.h"
#include "training/dreambooth_settings.h"
#include "training/textual_inversion_settings.h"
#include "training/training_control.h"

namespace mrti::studio {

struct DatasetFile {
  std::string name, path;
  bool used = false;
  std::string reason;  // why it is skipped ("" when used)
  Image thumbnail;     // square, for used images and readable skipped ones
};

struct DatasetScan {
  std::string folder;
  std::vector<DatasetFile> files;  // in name order
  int used = 0;
  std::string error;  // the folder cannot be used at all
  std::string summary;
};

// Classifies every file of `folder` as the trainer will (not an image, unreadable, too
// small, duplicate); never throws (problems land in `error`).
DatasetScan scan_dataset(const std::string& folder, int min_size = 64, int thumbnail_size = 96);
// Copies image files into a new folder `dest` (created), keeping their names (a clash
// gets a numbered name); returns `dest`. For datasets dropped as single files.
std::string stage_dataset_files(const std::vector<std::string>& files, const std::string& dest);

// "" when `word` is exactly one token of the tokenizer in `tokenizer_dir` ("" = the
// bundled CLIP vocabulary), else why not.
std::string init_token_problem(const std::string& word, const std::string& tokenizer_dir = "");

// A new textual-inversion run: the engine's own record (its model_path is set to the loaded
// model's). The app fills it from its form.
using TrainRequest = TrainingRunSettings;
// A new DreamBooth run, likewise (model_path is set to the loaded model's).
using DreamBoothRequest = DreamBoothRunSettings;

// What a DreamBooth run on a model of `unet_parameters` and `text_parameters` needs. Disk:
// the checkpoint of what it trains (float32 weights and AdamW's two moments), the
// fine-tuned model folder, the class images. Memory: what it trains in float32 with its
// gradients and moments, the frozen rest in float32; activations come on top.
struct DreamBoothNeeds {
  int64_t disk_bytes = 0, memory_bytes = 0;
};
DreamBoothNeeds dreambooth_needs(int64_t unet_parameters, int64_t text_parameters, const DreamBoothSettings& s);

struct TrainStep {
  int64_t step = 0, total = 0;
  double loss = 0, lr = 0;
  std::vector<double> scale_means;
  std::vector<int64_t> scale_indices;
  double images_per_second = 0, seconds_left = 0;
};

struct TrainPreview {
  int64_t step = 0, scale = 0;
  Image image;
};

struct TrainEvents {
  std::function<void(const std::string& run_dir, int64_t step, int64_t total, int64_t num_scales)> on_start;
  std::function<void(const TrainStep&)> on_step;
  std::function<void(const TrainPreview&)> on_preview;
  std::function<void(bool paused)> on_paused;
  std::function<void(const std::string&)> on_message;
};

struct TrainOutcome {
  bool finished = false;  // false: cancelled, a checkpoint was saved
  int64_t step = 0;
  std::string run_dir, name;
  std::string library_path;
  std::string model_dir;  // a finished DreamBooth run's fine-tuned model folder ("" otherwise)
};

// A step of a run's loss log (for a resumed run's curve).
struct LossPoint {
  int64_t step = 0, scale = 0;
  double loss = 0, lr = 0;
};

struct RunSummary {
  std::string dir, name, model_path, data_dir;
  bool dreambooth = false;  // else textual inversion
  int64_t step = 0, total = 0, num_scales = 0;
  bool finished = false;
  std::string error;  // the folder is not a readable run
};

// Every run folder directly under `runs_dir`, newest first.
std::vector<RunSummary> list_runs(const std::string& runs_dir);
RunSummary read_run(const std::string& run_dir);
// The loss log up to the last checkpoint (what a resume continues from).
std::vector<LossPoint> read_loss_log(const std::string& run_dir);
// Previews already written by a run (step, scale, image).
std::vector<TrainPreview> read_previews(const std::string& run_dir);

}  // namespace mrti::studio
