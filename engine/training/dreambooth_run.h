#pragma once
// A DreamBooth training run in a folder, kept like a textual-inversion run (training_run.h):
//   settings.json                 model, instance and class images, training settings
//   loss.csv                      step, timestep, scale index, loss, lr (one row per step)
//   class-images/                 prior preservation images made by our pipeline (default)
//   checkpoints/<name>-stepNNNNNN.safetensors    the concept at that step
//   checkpoints/weights-stepNNNNNN.safetensors   UNet weights and concept (latest only)
//   checkpoints/state-stepNNNNNN.pt              optimizer, generator and step (latest only)
//   checkpoints/latest.json       which checkpoint a resume starts from
//   previews/stepNNNNNN-kK.png    the fine-tuned model with <name|K|>, fixed prompt and seed
//   <name>.safetensors            the finished concept
//   model/                        the fine-tuned diffusers folder (or model_out_dir)
// Only the latest UNet checkpoint is kept: each holds the whole UNet and its optimizer
// state (about 10 GB for SD 1.x). Every file is written atomically, the finished model
// folder is written beside its place and renamed into it. A cancel saves a checkpoint
// first; a resume restores UNet, concept, optimizer and generator, so the run continues
// as if never stopped.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "multires/concept.h"
#include "training/dataset.h"
#include "training/dreambooth_trainer.h"
#include "training/run_folder.h"
#include "training/training_control.h"
#include "training/training_events.h"

namespace mrti {

class Distributed;

struct StableDiffusionModel;



class DreamBoothRun {
 public:
  // A new run in settings.out_dir, which must not hold a run already. Refuses invalid
  // settings and a concept name the library has (see replace_library_concept) before
  // creating anything. With prior
  // preservation, first generates the class images the class folder lacks (with the
  // model as given, before any training), reporting through callbacks.on_message.
  static std::unique_ptr<DreamBoothRun> create(StableDiffusionModel& model, DreamBoothRunSettings settings,
                                               const TrainingCallbacks& callbacks = {});
  // Reads out_dir/settings.json (model_path there is what to load: the base model, not
  // the fine-tuned one). `total_steps` > 0 replaces the step count (one below the step
  // reached, or a negative one, is refused: check_resume_steps). `expected`, when
  // given, must agree with the recorded settings except for steps. Refuses, naming what
  // differs, when the model, the instance or class images, or the settings differ.
  static std::unique_ptr<DreamBoothRun> resume(StableDiffusionModel& model, const std::string& out_dir,
                                               int64_t total_steps = 0, const DreamBoothSettings* expected = nullptr);
  static DreamBoothRunSettings read_settings(const std::string& out_dir);

  // Trains as one rank of a data-parallel group (distributed.h; null: alone). Only rank 0
  // writes into the run folder; the others open it with resume() once rank 0 made it.
  void set_distributed(std::shared_ptr<Distributed> dist);
  // Trains until the step count is reached or `control` cancels; a finished run writes
  // the fine-tuned diffusers folder and the concept.
  TrainingOutcome run(const TrainingCallbacks& callbacks = {}, TrainingControl* control = nullptr);

  DreamBoothTrainer& trainer() { return *trainer_; }
  const TrainingDataset& dataset() const { return *instances_; }
  const TrainingDataset* class_dataset() const { return classes_.get(); }
  const DreamBoothRunSettings& settings() const { return settings_; }
  // The concept as it is now; safe to call from another thread while training.
  Concept concept_snapshot() const;
  // Writes a checkpoint now (weights + state + concept + loss log); returns the state file.
  std::string save_checkpoint();

 private:
  DreamBoothRun(StableDiffusionModel& model, DreamBoothRunSettings settings, std::string fingerprint,
                std::shared_ptr<TrainingDataset> instances, std::shared_ptr<TrainingDataset> classes);
  void write_settings() const;
  void write_model_folder(const std::string& dir) const;

  StableDiffusionModel& model_;
  DreamBoothRunSettings settings_;
  std::string fingerprint_;  // of the base model, before any training
  std::shared_ptr<TrainingDataset> instances_, classes_;
  std::unique_ptr<DreamBoothTrainer> trainer_;
  LossLog loss_log_;
  std::shared_ptr<Distributed> dist_;
};

}  // namespace mrti
