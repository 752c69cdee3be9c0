#pragma once
// diffusers DDPMScheduler (Ho et al. 2020): the training noise schedule, and ancestral
// sampling that draws fresh noise at every step with t > 0.
#include "schedulers/scheduler.h"

namespace mrti {

class DDPMScheduler : public Scheduler {
 public:
  explicit DDPMScheduler(SchedulerConfig config);
  std::string name() const override { return "DDPMScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;
  bool is_stochastic() const override { return true; }

 private:
  int64_t previous_timestep(int64_t t) const;
};

}  // namespace mrti
