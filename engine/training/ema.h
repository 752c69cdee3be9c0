#pragma once
// diffusers' EMAModel: an exponential moving average of a module's parameters, with the
// warm-up decay min(decay, (1 + n) / (10 + n)) so early averages do not hold on to the
// random initialisation. Training saves and exports the averaged weights.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/serialize/archive.h>

namespace mrti {

class ExponentialMovingAverage {
 public:
  ExponentialMovingAverage(const torch::nn::Module& module, double decay);

  // After an optimizer step: shadow = d * shadow + (1 - d) * parameter.
  void update(const torch::nn::Module& module);
  // Copies the averaged values into `module` (same architecture).
  void copy_to(torch::nn::Module& module) const;

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);
  int64_t updates() const { return updates_; }
  void set_updates(int64_t n) { updates_ = n; }
  // The averaged tensors themselves, in the module's parameter order.
  const std::vector<at::Tensor>& shadow() const { return shadow_; }

 private:
  double decay_;
  int64_t updates_ = 0;
  std::vector<std::string> names_;
  std::vector<at::Tensor> shadow_;
};

}  // namespace mrti
