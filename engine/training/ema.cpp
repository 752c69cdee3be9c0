#include "training/ema.h"

#include <algorithm>

#include <torch/torch.h>

#include "runtime/error.h"

namespace mrti {

ExponentialMovingAverage::ExponentialMovingAverage(const torch::nn::Module& module, double decay) : decay_(decay) {
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters(true)) {
    names_.push_back(p.key());
    shadow_.push_back(p.value().detach().clone());
  }
}

void ExponentialMovingAverage::update(const torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  ++updates_;
  const double d = std::min(decay_, (1.0 + double(updates_)) / (10.0 + double(updates_)));
  std::size_t i = 0;
  for (const auto& p : module.named_parameters(true)) shadow_.at(i++).mul_(d).add_(p.value().detach(), 1 - d);
}

void ExponentialMovingAverage::copy_to(torch::nn::Module& module) const {
  torch::NoGradGuard no_grad;
  std::size_t i = 0;
  for (auto& p : module.named_parameters(true)) {
    if (i >= shadow_.size() || p.key() != names_[i] || p.value().sizes() != shadow_[i].sizes())
      throw Error("moving average: the module's parameters differ from the averaged ones at '" + p.key() + "'");
    p.value().copy_(shadow_[i++]);
  }
}

void ExponentialMovingAverage::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive ema;
  ema.write("updates", torch::tensor({updates_}, torch::kLong));
  for (std::size_t i = 0; i < shadow_.size(); ++i) ema.write(names_[i], shadow_[i]);
  archive.write("ema", ema);
}

void ExponentialMovingAverage::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive ema;
  archive.read("ema", ema);
  at::Tensor updates;
  ema.read("updates", updates);
  updates_ = updates.item<int64_t>();
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < shadow_.size(); ++i) {
    at::Tensor t;
    ema.read(names_[i], t);
    if (t.sizes() != shadow_[i].sizes()) throw Error("moving average: '" + names_[i] + "' has another shape");
    shadow_[i].copy_(t);
  }
}

}  // namespace mrti
