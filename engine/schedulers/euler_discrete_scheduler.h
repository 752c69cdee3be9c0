#pragma once
// diffusers EulerDiscreteScheduler: Euler's method (Karras et al. 2022, Algorithm 2 with
// s_churn = 0) over the sigma schedule; Karras sigmas optional.
#include "schedulers/scheduler.h"

namespace mrti {

class EulerDiscreteScheduler : public Scheduler {
 public:
  explicit EulerDiscreteScheduler(SchedulerConfig config);
  std::string name() const override { return "EulerDiscreteScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  double init_noise_sigma() const override;
  at::Tensor scale_model_input(const at::Tensor& sample, int step_index) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;
};

}  // namespace mrti
