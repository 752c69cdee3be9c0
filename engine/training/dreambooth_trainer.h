#pragma once
// Multiresolution DreamBooth (Daras & Dimakis, 2022): the UNet is fine-tuned on the
// instance images with the caption "a photo of <name|i|>", i = time_index(t) as in
// textual inversion; the concept's per-scale embeddings (all starting from the
// initializer word) train along with it unless their rate is 0. Optional prior
// preservation adds, per step, one class image (made by this project's own pipeline
// from the class prompt) with the class prompt, its loss weighted by prior_loss_weight.
// The result is a diffusers folder (the base model with the new UNet) plus the concept.
//
// With train_text_encoder the text encoder's layers, position embeddings and final norm
// train too (as diffusers' train_dreambooth --train_text_encoder), at their own rate. Its
// token table stays frozen: the concept's rows are its embeddings, and AdamW's weight
// decay over the whole vocabulary would move every other word.
//
// The UNet's weights are the trained parameters, so the model must be float32 (AdamW
// updates vanish in bf16/fp16 weights). One CPU generator draws, per step: the instance
// image, its flip, t, the latent sample noise and the diffusion noise, then the same for
// the class image. Its state is part of a checkpoint, so a resumed run continues exactly.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "multires/concept.h"
#include "training/dataset.h"
#include "training/dreambooth_settings.h"
#include "training/lr_schedule.h"

namespace torch::optim {
class AdamW;
}

namespace mrti {

struct StableDiffusionModel;
class Scheduler;
class Distributed;
class GradientAllReduce;

// Generates the missing class images (class-NNNN.png) in `dir` with `prompt` until it
// holds `count`; returns how many were made.
int generate_class_images(StableDiffusionModel& model, const std::string& prompt, const std::string& dir, int count,
                          int resolution, int steps, int64_t seed);

struct DreamBoothStep {
  double loss = 0;  // instance loss + prior_loss_weight x prior loss, mean over the step's samples
  double instance_loss = 0, prior_loss = 0;
  std::vector<int64_t> timesteps, scale_indices;  // of the instance samples
  double lr = 0;  // the UNet's
};

class DreamBoothTrainer {
 public:
  // Makes the UNet trainable (and the text encoder but its token table, with
  // train_text_encoder; the VAE stays frozen). `class_images` is required when
  // settings.num_class_images > 0.
  DreamBoothTrainer(StableDiffusionModel& model, DreamBoothSettings settings,
                    std::shared_ptr<const TrainingDataset> instance_images,
                    std::shared_ptr<const TrainingDataset> class_images = nullptr);
  ~DreamBoothTrainer();

  const DreamBoothSettings& settings() const { return settings_; }
  int64_t step() const { return step_; }
  // One optimizer step.
  DreamBoothStep train_step();
  // Trains as one rank of a data-parallel group (distributed.h): makes the trained
  // weights, concept, optimizer, generator and step equal to rank 0's; each step then runs
  // this rank's shard of the instance (and class) samples, and the gradients are summed
  // over ranks in buckets that overlap the backward pass. The batch size must be at least
  // the number of processes.
  void set_distributed(std::shared_ptr<Distributed> dist);
  // Per-scale exponential running mean of the instance loss (NaN for scales not yet sampled).
  std::vector<double> scale_loss_means() const { return scale_means_; }
  // Thread-safe copy of the concept as it is now.
  Concept concept_snapshot(const std::string& base_model = "") const;

  // The trainable weights (UNet parameters as unet.<name>, trained text-encoder ones as
  // text_encoder.<name>, the concept as embeddings) in a safetensors file, and optimizer, generator, step and running means in a torch
  // archive; both written atomically. load_state restores them exactly.
  void save_state(const std::string& weights_path, const std::string& state_path) const;
  void load_state(const std::string& weights_path, const std::string& state_path);

  // Writes a diffusers folder: `base_model_dir` (a diffusers folder) copied with the
  // trained UNet's weights in unet/ (and the text encoder's in text_encoder/ when it
  // trained), and the concept as <name>.safetensors beside
  // model_index.json. Refuses an existing non-empty `out_dir`.
  void save(const std::string& base_model_dir, const std::string& out_dir) const;

 private:
  at::Tensor encode(const std::string& caption);
  // One drawn sample: noisy latents, target, timestep and caption.
  struct Sample {
    at::Tensor noisy, target;
    int64_t t = 0, scale_index = -1;
    std::string caption;
  };
  // Another rank's sample (`mine` false) is only drawn, so the generator moves alike on every rank.
  Sample draw(const TrainingDataset& data, bool instance, bool mine = true);
  std::vector<at::Tensor> trained_parameters() const;
  at::Tensor sample_latents(const TrainingDataset& data, std::size_t index, bool flip);
  // name -> parameter of every text-encoder weight that trains (none without train_text_encoder).
  std::vector<std::pair<std::string, at::Tensor>> trained_text_encoder_parameters() const;

  StableDiffusionModel& model_;
  DreamBoothSettings settings_;
  std::shared_ptr<const TrainingDataset> instances_, classes_;
  std::unique_ptr<Scheduler> noise_scheduler_;
  bool v_prediction_ = false;
  int64_t T_ = 1000;
  at::Tensor embeddings_;  // [N, 1, d]
  LrSchedule schedule_;
  std::vector<double> base_lrs_;  // per optimizer group, before the schedule
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  at::Generator generator_;
  int64_t step_ = 0;
  std::vector<double> scale_means_;
  std::vector<int64_t> latent_shape_;  // [1, C, h, w] of one image's latents
  std::shared_ptr<Distributed> dist_;
  std::unique_ptr<GradientAllReduce> grads_;
  mutable std::mutex snapshot_mutex_;  // the optimizer step against snapshots
};

}  // namespace mrti
