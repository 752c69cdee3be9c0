#pragma once
// diffusers DDIMScheduler (Song et al. 2020). Deterministic with eta = 0; with eta > 0 each
// step adds eta-scaled posterior noise drawn through the NoiseFn.
#include "schedulers/scheduler.h"

namespace mrti {

class DDIMScheduler : public Scheduler {
 public:
  explicit DDIMScheduler(SchedulerConfig config, double eta = 0.0);
  std::string name() const override { return "DDIMScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;
  bool is_stochastic() const override { return eta_ > 0; }

  double eta() const { return eta_; }
  void set_eta(double eta) override;  // in [0, 1]

 private:
  double eta_ = 0.0;
  float final_alpha_cumprod_ = 1.0f;
};

}  // namespace mrti
