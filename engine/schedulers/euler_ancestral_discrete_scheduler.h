#pragma once
// diffusers EulerAncestralDiscreteScheduler ("Euler a"): an Euler step down to sigma_down,
// then fresh noise of scale sigma_up, drawn at every step through the NoiseFn.
#include "schedulers/scheduler.h"

namespace mrti {

class EulerAncestralDiscreteScheduler : public Scheduler {
 public:
  explicit EulerAncestralDiscreteScheduler(SchedulerConfig config);
  std::string name() const override { return "EulerAncestralDiscreteScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  double init_noise_sigma() const override;
  at::Tensor scale_model_input(const at::Tensor& sample, int step_index) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;
  bool is_stochastic() const override { return true; }
};

}  // namespace mrti
