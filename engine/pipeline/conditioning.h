#pragma once
// What the UNet is conditioned on during one generation. A plain prompt gives the same
// encoder states at every step; a multiresolution prompt changes them with the time
// index, so the pipeline asks for them per sampling timestep.
#include <memory>

#include <ATen/core/Tensor.h>

namespace mrti {

class Conditioning {
 public:
  virtual ~Conditioning() = default;
  // Encoder hidden states [1, T, D] for sampling timestep `t` (0 .. num_train_timesteps).
  // Implementations cache: this is called once per step.
  virtual at::Tensor at_timestep(double t) = 0;
};

class ConstantConditioning : public Conditioning {
 public:
  explicit ConstantConditioning(at::Tensor states) : states_(std::move(states)) {}
  at::Tensor at_timestep(double) override { return states_; }

 private:
  at::Tensor states_;
};

using ConditioningPtr = std::shared_ptr<Conditioning>;

}  // namespace mrti
