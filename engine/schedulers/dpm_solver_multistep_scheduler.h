#pragma once
// diffusers DPMSolverMultistepScheduler: DPM-Solver / DPM-Solver++ (Lu et al. 2022) of
// order 1-3, ODE or SDE variants; "DPM++ 2M" is dpmsolver++ of order 2. As in 0.25.1 the
// last sigma is sigma_min (the Karras schedule repeats its last sigma), not 0.
#include <vector>

#include "schedulers/scheduler.h"

namespace mrti {

class DPMSolverMultistepScheduler : public Scheduler {
 public:
  explicit DPMSolverMultistepScheduler(SchedulerConfig config);
  std::string name() const override { return "DPMSolverMultistepScheduler"; }
  void set_timesteps(int num_inference_steps) override;
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                  const NoiseFn& noise = nullptr) override;
  bool is_stochastic() const override;

 private:
  at::Tensor convert_model_output(const at::Tensor& model_output, int step_index, const at::Tensor& sample) const;
  at::Tensor first_order_update(const at::Tensor& m0, int i, const at::Tensor& sample, const at::Tensor& noise) const;
  at::Tensor second_order_update(int i, const at::Tensor& sample, const at::Tensor& noise) const;
  at::Tensor third_order_update(int i, const at::Tensor& sample) const;

  std::vector<at::Tensor> model_outputs_;  // solver_order entries, newest last
  int lower_order_nums_ = 0;
};

}  // namespace mrti
