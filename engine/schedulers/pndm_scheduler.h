#pragma once
// diffusers PNDMScheduler (Liu et al. 2022, pseudo numerical methods). With skip_prk_steps
// (Stable Diffusion's setting) it is the PLMS sampler: N + 1 loop iterations, the second
// timestep repeated; without it, Runge-Kutta warm-up steps come first.
#include <vector>

#include "schedulers/scheduler.h"

namespace mrti {

class PNDMScheduler : public Scheduler {
 public:
  explicit PNDMScheduler(SchedulerConfig config);
  std::string name() const override { return "PNDMScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;

 private:
  at::Tensor step_prk(const at::Tensor& model_output, int64_t timestep, const at::Tensor& sample);
  at::Tensor step_plms(const at::Tensor& model_output, int64_t timestep, const at::Tensor& sample);
  at::Tensor prev_sample(const at::Tensor& sample, int64_t timestep, int64_t prev_timestep,
                         const at::Tensor& model_output) const;

  static constexpr int kPndmOrder = 4;
  float final_alpha_cumprod_ = 1.0f;
  std::vector<int64_t> prk_timesteps_;
  std::vector<at::Tensor> ets_;  // past model outputs, newest last
  at::Tensor cur_model_output_;  // undefined means diffusers' integer 0
  at::Tensor cur_sample_;
  int counter_ = 0;
};

}  // namespace mrti
