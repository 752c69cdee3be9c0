#pragma once
// A textual-inversion training run in a folder:
//   settings.json                 model, data and training settings (what a resume checks)
//   loss.csv                      step, timestep, scale index, loss, lr (one row per sample)
//   checkpoints/<name>-stepNNNNNN.safetensors   the concept at that step
//   checkpoints/state-stepNNNNNN.pt             optimizer, generator and step
//   checkpoints/latest.json       which checkpoint a resume starts from
//   previews/stepNNNNNN-kK.png    a fixed prompt and seed at scales K
//   <name>.safetensors            the finished concept
// Every file is written atomically. A cancel saves a checkpoint first; a resume restores
// concept, optimizer and generator so the run continues as if never stopped.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "imaging/image.h"
#include "multires/concept.h"
#include "runtime/cancellation.h"
#include "training/dataset.h"
#include "training/run_folder.h"
#include "training/textual_inversion_trainer.h"
#include "training/training_control.h"
#include "training/training_events.h"

namespace mrti {

class Distributed;

struct StableDiffusionModel;

// TrainingProgress, TrainingPreview, TrainingCallbacks, TrainingOutcome: training_events.h.
// model_fingerprint: run_folder.h.

class TextualInversionRun {
 public:
  // A new run in settings.out_dir, which must not hold a run already. Refuses invalid
  // settings and a concept name the library has (see replace_library_concept) before
  // creating anything.
  static std::unique_ptr<TextualInversionRun> create(StableDiffusionModel& model, TrainingRunSettings settings);
  // Reads out_dir/settings.json (model_path there is what to load). `total_steps` > 0
  // replaces the run's step count (a larger one extends it; one below the step reached,
  // or a negative one, is refused: check_resume_steps). `expected`, when given,
  // must agree with the recorded training settings except for steps. Refuses, naming
  // what differs, when the model (its weights or its dtype against the run's
  // precision), the dataset or the settings differ.
  static std::unique_ptr<TextualInversionRun> resume(StableDiffusionModel& model, const std::string& out_dir,
                                                     int64_t total_steps = 0,
                                                     const TextualInversionSettings* expected = nullptr);
  static TrainingRunSettings read_settings(const std::string& out_dir);

  // Trains as one rank of a data-parallel group (distributed.h; null: alone). Only rank 0
  // writes into the run folder; the others open it with resume() once rank 0 made it.
  void set_distributed(std::shared_ptr<Distributed> dist);
  // Trains until the step count is reached or `control` cancels.
  TrainingOutcome run(const TrainingCallbacks& callbacks = {}, TrainingControl* control = nullptr);

  TextualInversionTrainer& trainer() { return *trainer_; }
  const TrainingDataset& dataset() const { return *dataset_; }
  const TrainingRunSettings& settings() const { return settings_; }
  // The concept as it is now; safe to call from another thread while training.
  Concept concept_snapshot() const;
  // Writes a checkpoint now (concept + state + loss log); returns the state file.
  std::string save_checkpoint();

 private:
  TextualInversionRun(StableDiffusionModel& model, TrainingRunSettings settings);
  void write_settings() const;
  Concept finished_concept() const;

  StableDiffusionModel& model_;
  TrainingRunSettings settings_;
  std::shared_ptr<TrainingDataset> dataset_;
  std::unique_ptr<TextualInversionTrainer> trainer_;
  LossLog loss_log_;
  std::shared_ptr<Distributed> dist_;
};

}  // namespace mrti
