#pragma once
// Multiresolution textual inversion (Daras & Dimakis, 2022). Each sample draws a timestep
// t uniformly from [0, T), takes the scale index i = time_index(t, N, T), and
// conditions the frozen UNet on a caption holding the fixed-form placeholder <name|i|>,
// whose token slots receive e_i. The loss is the noise-prediction MSE (the velocity for
// v-prediction models); gradients reach e_i through the UNet and the text encoder.
//
// The only trainable tensor is the concept [N, V, d], optimized by AdamW over the whole
// tensor. So, as in the original (whose AdamW steps the whole vocabulary matrix), unused
// scales still decay and keep their Adam momentum; unlike it, no vocabulary row moves.
//
// Precision: the frozen text encoder, UNet and VAE run in the model's dtype as loaded
// (settings.precision must name it); the concept stays a float32 master copy, cast to
// that dtype where it enters the token embeddings, and the loss is computed in float32.
// fp16 needs CUDA and uses dynamic loss scaling (its gradients underflow otherwise).
//
// One CPU generator draws, in order per sample: the image, its flip, its caption
// template, the crop (random crops only), t, the latent sample noise and the diffusion
// noise. Its state is part of a checkpoint, so a resumed run continues exactly.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <nlohmann/json.hpp>

#include "multires/concept.h"
#include "training/dataset.h"
#include "training/lr_schedule.h"
#include "training/textual_inversion_settings.h"

namespace torch::optim {
class AdamW;
}

namespace mrti {

struct StableDiffusionModel;
class Scheduler;
class Distributed;
class GradientAllReduce;

// One micro-batch, as fed to the UNet.
struct TrainingBatch {
  at::Tensor latents;    // scaled latents [B, 4, h, w] (VAE sample x scaling factor)
  at::Tensor noise;      // [B, 4, h, w]
  at::Tensor timesteps;  // int64 [B] (or 0-dim for B = 1)
  std::vector<std::string> captions;  // one per sample, holding <name|i|> with i = time_index(t)
};

struct StepResult {
  double loss = 0;                    // mean over the micro-batches
  at::Tensor noise_pred;              // of the last micro-batch (detached)
  at::Tensor encoder_hidden_states;   // of the last micro-batch (detached)
  at::Tensor grad;                    // the concept's gradient before the optimizer step [N, V, d]
  std::vector<int64_t> timesteps;     // every sample of the step
  std::vector<int64_t> scale_indices;
  double lr = 0;
  bool skipped = false;  // fp16: the gradient overflowed, so the step changed nothing but the loss scale
};

// Refuses a training resolution that is not a multiple of 8 (the VAE's factor) from 8 to
// 4096 pixels: beyond that no model trains in memory, and a typo should not start a run.
void check_training_resolution(int resolution);

// The dtype a training precision names ("fp32", "bf16", "fp16"); throws naming it otherwise.
c10::ScalarType training_dtype(const std::string& precision);
// Refuses, naming both and what to do, a model whose dtype is not `precision`, and fp16
// on a device other than CUDA.
void check_training_precision(const std::string& precision, const StableDiffusionModel& model);

class TextualInversionTrainer {
 public:
  // Freezes the model (requires_grad false on every weight). `dataset` may be null when
  // batches are supplied by the caller (train_on).
  TextualInversionTrainer(StableDiffusionModel& model, TextualInversionSettings settings,
                          std::shared_ptr<const TrainingDataset> dataset);
  ~TextualInversionTrainer();

  const TextualInversionSettings& settings() const { return settings_; }
  int64_t step() const { return step_; }  // optimizer steps done
  int64_t num_train_timesteps() const { return T_; }

  // The placeholder text of scale i: "<name|i|>".
  std::string placeholder(int64_t scale) const;

  // Draws the next micro-batch from the dataset with the generator.
  TrainingBatch next_batch();
  // Trains as one rank of a data-parallel group (distributed.h): makes the concept,
  // optimizer, generator and step equal to rank 0's, then each train_step() runs this
  // rank's shard of every micro-batch and sums the gradients over ranks. The batch size
  // must be at least the number of processes.
  void set_distributed(std::shared_ptr<Distributed> dist);
  // One optimizer step over grad_accum drawn micro-batches.
  StepResult train_step();
  // One optimizer step on a given batch (no accumulation), at rate `lr` (< 0: the schedule's).
  StepResult train_on(const TrainingBatch& batch, double lr = -1);
  // The loss of `batch` without gradients or any state change.
  double evaluate(const TrainingBatch& batch);
  // Encoder states for the captions of `batch` with the current concept (detached).
  at::Tensor encode_captions(const std::vector<std::string>& captions);

  // The concept [N, V, d] (the trainable tensor itself; do not write to it).
  const at::Tensor& embeddings() const { return embeddings_; }
  // A thread-safe float32 CPU copy, usable while training continues (e.g. when paused).
  at::Tensor embeddings_snapshot() const;
  Concept concept_snapshot(const std::string& base_model = "") const;

  // Per-scale exponential running mean of the loss (NaN for scales not yet sampled).
  std::vector<double> scale_loss_means() const { return scale_means_; }

  // Concept, optimizer, generator, step and running means in one file (torch archive),
  // written atomically; load_state restores them exactly.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

  at::Generator& generator() { return generator_; }
  double loss_scale() const { return loss_scale_; }  // 1 except for fp16

 private:
  struct Layout {
    at::Tensor ids;          // [1, 77] int64
    at::Tensor base_embeds;  // [1, 77, d], no grad
    std::vector<std::pair<int64_t, int64_t>> slots;  // (position, vectors) of the placeholder
    int64_t scale = 0;
  };
  const Layout& layout_for(const std::string& caption);
  at::Tensor token_embeds(const Layout& layout);
  at::Tensor forward_loss(const TrainingBatch& batch, at::Tensor* noise_pred, at::Tensor* states,
                          std::vector<int64_t>* scales);
  at::Tensor image_latents(std::size_t index, bool flip, std::mt19937_64* crop_rng);
  // Draws all batch_size samples' random numbers but encodes only samples [begin, end);
  // appends every sample's timestep to `timesteps`.
  TrainingBatch draw_batch(int64_t begin, int64_t end, std::vector<int64_t>* timesteps);
  void apply_lr(double lr);
  // Unscales the gradient (fp16) and steps unless it overflowed; returns whether it stepped.
  bool optimizer_step();

  StableDiffusionModel& model_;
  TextualInversionSettings settings_;
  std::shared_ptr<const TrainingDataset> dataset_;
  std::unique_ptr<Scheduler> noise_scheduler_;
  bool v_prediction_ = false;
  int64_t T_ = 1000;
  double scaling_factor_ = 0.18215;
  at::Tensor embeddings_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  LrSchedule schedule_;
  at::Generator generator_;
  int64_t step_ = 0;
  std::vector<double> scale_means_;
  bool dynamic_loss_scale_ = false;  // fp16
  double loss_scale_ = 1;
  int64_t good_steps_ = 0;          // since the scale last changed
  std::map<std::string, Layout> layouts_;
  std::vector<int64_t> latent_shape_;  // [1, C, h, w] of one image's latents
  std::shared_ptr<Distributed> dist_;
  std::unique_ptr<GradientAllReduce> grads_;
  std::map<std::pair<std::size_t, bool>, std::pair<at::Tensor, at::Tensor>> latent_cache_;  // mean, std
  mutable std::mutex snapshot_mutex_;
};

}  // namespace mrti
