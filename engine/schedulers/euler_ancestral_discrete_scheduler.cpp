#include "schedulers/euler_ancestral_discrete_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "EulerAncestralDiscreteScheduler";
  return c;
}
}  // namespace

EulerAncestralDiscreteScheduler::EulerAncestralDiscreteScheduler(SchedulerConfig config)
    : Scheduler(named(std::move(config))) {
  if (config_.rescale_betas_zero_snr) {
    // Close to 0 without being 0, so that the first sigma is finite.
    acp_.back() = 1.0f / 16777216.0f;
    alphas_cumprod_ = schedule::float_tensor(acp_);
  }
}

void EulerAncestralDiscreteScheduler::set_timesteps(int n) {
  if (n < 1)
    throw Error("EulerAncestralDiscreteScheduler: num_inference_steps must be at least 1, got " + std::to_string(n));
  num_inference_steps_ = n;
  const std::vector<float> ts = schedule::sigma_timesteps(config_, n);
  const std::vector<float> train = schedule::train_sigmas(alphas_cumprod_);
  std::vector<double> sigmas = schedule::np_interp_index(std::vector<double>(ts.begin(), ts.end()),
                                                         std::vector<double>(train.begin(), train.end()));
  sigmas.push_back(0.0);
  set_float_timesteps(ts);
  sigmas_ = schedule::float_tensor(sigmas);
  sigma_values_ = schedule::float_values(sigmas_);
}

double EulerAncestralDiscreteScheduler::init_noise_sigma() const {
  if (sigma_values_.empty())
    throw Error("EulerAncestralDiscreteScheduler: call set_timesteps before init_noise_sigma");
  const float max_sigma = *std::max_element(sigma_values_.begin(), sigma_values_.end());
  if (config_.timestep_spacing == "linspace" || config_.timestep_spacing == "trailing") return max_sigma;
  return std::sqrt(max_sigma * max_sigma + 1.0f);
}

at::Tensor EulerAncestralDiscreteScheduler::scale_model_input(const at::Tensor& sample, int step_index) {
  check_step_index(step_index, "scale_model_input");
  const float sigma = sigma_values_[step_index];
  return sample / std::sqrt(sigma * sigma + 1.0f);
}

at::Tensor EulerAncestralDiscreteScheduler::step(const at::Tensor& model_output, int step_index,
                                                 const at::Tensor& sample_in, const NoiseFn& noise) {
  check_step_index(step_index, "step");
  const at::Tensor sample = sample_in.to(torch::kFloat32);
  const float sigma = sigma_values_[step_index];

  at::Tensor pred_original;
  if (config_.prediction_type == "epsilon") {
    pred_original = sample - sigma * model_output;
  } else {  // v_prediction
    pred_original = model_output * (-sigma / std::sqrt(sigma * sigma + 1.0f)) + (sample / (sigma * sigma + 1.0f));
  }

  const float sigma_from = sigma;
  const float sigma_to = sigma_values_[step_index + 1];
  const float sigma_up =
      std::sqrt(sigma_to * sigma_to * (sigma_from * sigma_from - sigma_to * sigma_to) / (sigma_from * sigma_from));
  const float sigma_down = std::sqrt(sigma_to * sigma_to - sigma_up * sigma_up);

  const at::Tensor derivative = (sample - pred_original) / sigma;
  const float dt = sigma_down - sigma;
  at::Tensor prev = sample + derivative * dt;
  prev = prev + draw_noise(noise, model_output) * sigma_up;
  return prev.to(model_output.scalar_type());
}

}  // namespace mrti
