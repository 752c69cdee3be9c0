#pragma once
// A from-scratch model training run in a folder, kept like the other run kinds
// (training_run.h):
//   settings.json                 stage, data, VAE and tokenizer, training settings
//   loss.csv                      step, loss, lr and the stage's loss terms (one row per step)
//   checkpoints/state-stepNNNNNN.pt   weights, averages, optimizer, generator (latest only)
//   checkpoints/latest.json       which checkpoint a resume starts from
//   previews/stepNNNNNN.png       reconstructions (vae) or generated captions (unet)
//   vae/ or model/                the result from the averaged weights: a VAE folder, or
//                                 a whole diffusers model folder
// Every file is written atomically; the result folder is written beside its place and
// renamed into it. A cancel saves a checkpoint first; a resume continues exactly.
#include <cstdint>
#include <memory>
#include <string>

#include "training/dataset.h"
#include "training/model_trainer.h"
#include "training/model_training_settings.h"
#include "training/run_folder.h"
#include "training/training_control.h"
#include "training/training_events.h"

namespace mrti {

class Distributed;

struct ModelTrainingRunSettings {
  std::string data_dir;       // pictures (and, for the unet stage, their .txt captions)
  std::string out_dir;        // the run folder
  std::string vae_dir;        // unet stage: a trained VAE folder
  std::string tokenizer_dir;  // unet stage: "" = the bundled CLIP tokenizer
  ModelTrainingSettings training;
  int64_t checkpoint_every = 250;  // 0 = only at the end and on cancel
  int64_t preview_every = 500;     // 0 = no previews

  std::string output_dir() const { return out_dir + (training.stage == "vae" ? "/vae" : "/model"); }
};

class ModelTrainingRun {
 public:
  // A new run in settings.out_dir, which must not hold a run already. The unet stage
  // encodes every picture once (callbacks.on_message reports it).
  static std::unique_ptr<ModelTrainingRun> create(ModelTrainingRunSettings settings,
                                                  const TrainingCallbacks& callbacks = {});
  // `total_steps` > 0 replaces the step count (a larger one extends the run). Refuses,
  // naming what differs, when the pictures changed.
  static std::unique_ptr<ModelTrainingRun> resume(const std::string& out_dir, int64_t total_steps = 0,
                                                  const TrainingCallbacks& callbacks = {});
  static ModelTrainingRunSettings read_settings(const std::string& out_dir);

  // Trains as one rank of a data-parallel group (distributed.h; null: alone). Only rank 0
  // writes into the run folder; the others open it with resume() once rank 0 made it.
  void set_distributed(std::shared_ptr<Distributed> dist);
  // Trains until the step count is reached or `control` cancels; a finished run writes
  // its result folder (outcome.model_dir).
  TrainingOutcome run(const TrainingCallbacks& callbacks = {}, TrainingControl* control = nullptr);

  ModelTrainer& trainer() { return *trainer_; }
  const TrainingDataset& dataset() const { return *data_; }
  const ModelTrainingRunSettings& settings() const { return settings_; }
  std::string save_checkpoint();

 private:
  ModelTrainingRun(ModelTrainingRunSettings settings, const TrainingCallbacks& callbacks);
  void write_settings() const;
  void write_output() const;

  ModelTrainingRunSettings settings_;
  std::shared_ptr<TrainingDataset> data_;
  std::unique_ptr<ModelTrainer> trainer_;
  LossLog loss_log_;
  std::shared_ptr<Distributed> dist_;
};

}  // namespace mrti
