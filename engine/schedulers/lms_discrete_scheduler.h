#pragma once
// diffusers LMSDiscreteScheduler: k-diffusion's linear multistep sampler of order 4 over
// the sigma schedule (Karras et al. 2022 sigmas optional).
#include <deque>

#include "schedulers/scheduler.h"

namespace mrti {

class LMSDiscreteScheduler : public Scheduler {
 public:
  explicit LMSDiscreteScheduler(SchedulerConfig config);
  std::string name() const override { return "LMSDiscreteScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  double init_noise_sigma() const override;
  at::Tensor scale_model_input(const at::Tensor& sample, int step_index) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;

 private:
  double lms_coefficient(int order, int t, int current_order) const;

  static constexpr int kOrder = 4;
  std::deque<at::Tensor> derivatives_;  // newest last, at most kOrder
};

}  // namespace mrti
