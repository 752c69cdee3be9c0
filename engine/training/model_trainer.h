#pragma once
// What the two stages of from-scratch model training (autoencoder_kl_trainer.h,
// text_to_image_trainer.h) share: AdamW over the trained modules with the settings' LR
// schedule and gradient clipping, an exponential moving average per module, one seeded CPU
// generator for every random draw, and a checkpoint holding all of it, so a resumed run
// continues exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>

#include "imaging/image.h"
#include "tensor_io/tensor_map.h"
#include "training/ema.h"
#include "training/lr_schedule.h"
#include "training/model_training_settings.h"

namespace torch::optim {
class AdamW;
}

namespace mrti {

class Distributed;
class GradientAllReduce;

struct ModelStepResult {
  double loss = 0;
  double lr = 0;
  std::vector<double> parts;  // the stage's loss terms, as loss_columns() names them
};

class ModelTrainer {
 public:
  virtual ~ModelTrainer();

  ModelStepResult train_step();
  // Trains as one rank of a data-parallel group (distributed.h): makes the weights, their
  // averages, the optimizer, generator and step equal to rank 0's; each step then runs
  // this rank's shard of the batch and sums the gradients over ranks in buckets that
  // overlap the backward pass. The batch size must be at least the number of processes.
  void set_distributed(std::shared_ptr<Distributed> dist);
  int64_t step() const { return step_; }
  const ModelTrainingSettings& settings() const { return settings_; }

  // Names of ModelStepResult::parts.
  virtual std::vector<std::string> loss_columns() const = 0;
  // The stage's result from the averaged weights: a VAE folder or a diffusers model folder.
  virtual void write_output(const std::string& dir) const = 0;
  // A picture of how the averaged weights do now (reconstructions, or generated captions).
  virtual Image preview() const = 0;

  // Weights, averages, optimizer, generator and step in one file (written atomically).
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

 protected:
  explicit ModelTrainer(ModelTrainingSettings settings);
  // Call once the trained modules exist: registers them with AdamW and the averages.
  void set_trained_modules(std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules);
  // The mean loss over this rank's shard of one batch (before backward); fills parts
  // (means over the shard too). Draws the random numbers of the whole batch.
  virtual at::Tensor batch_loss(std::vector<double>& parts) = 0;
  // This rank's samples [begin, end) of a batch (all of it without a group).
  std::pair<int64_t, int64_t> shard() const;
  // A copy of trained module `i` holding the averaged weights.
  void copy_average_to(std::size_t i, torch::nn::Module& into) const;

  ModelTrainingSettings settings_;
  at::Generator generator_;
  int64_t step_ = 0;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules_;
  std::vector<std::unique_ptr<ExponentialMovingAverage>> averages_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  LrSchedule schedule_;
  std::shared_ptr<Distributed> dist_;
  std::unique_ptr<GradientAllReduce> grads_;
};

// "fp16" or "fp32" as a dtype for written weights.
c10::ScalarType save_dtype_of(const std::string& name);

// A module's parameters and buffers as CPU tensors of `dtype` (floating ones only cast).
TensorMap module_weights(const torch::nn::Module& module, c10::ScalarType dtype);

}  // namespace mrti
