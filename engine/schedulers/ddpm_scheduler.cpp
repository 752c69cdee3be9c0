#include "schedulers/ddpm_scheduler.h"

#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "DDPMScheduler";
  return c;
}
}  // namespace

DDPMScheduler::DDPMScheduler(SchedulerConfig config) : Scheduler(named(std::move(config))) {}

void DDPMScheduler::set_timesteps(int n) {
  if (n < 1 || n > config_.num_train_timesteps)
    throw Error("DDPMScheduler: num_inference_steps must be in 1.." + std::to_string(config_.num_train_timesteps) +
                ", got " + std::to_string(n));
  num_inference_steps_ = n;
  set_int_timesteps(schedule::discrete_timesteps(config_, n));
}

int64_t DDPMScheduler::previous_timestep(int64_t t) const {
  const int n = num_inference_steps_ ? num_inference_steps_ : config_.num_train_timesteps;
  return t - config_.num_train_timesteps / n;
}

at::Tensor DDPMScheduler::step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                               const NoiseFn& noise) {
  check_step_index(step_index, "step");
  const auto t = static_cast<int64_t>(timestep_values_[step_index]);
  const int64_t prev_t = previous_timestep(t);

  // Scalars in float32, as diffusers' 0-dim tensors.
  const float alpha_prod_t = acp(t);
  const float alpha_prod_t_prev = prev_t >= 0 ? acp(prev_t) : 1.0f;
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float current_alpha_t = alpha_prod_t / alpha_prod_t_prev;
  const float current_beta_t = 1.0f - current_alpha_t;

  at::Tensor pred_original;
  const std::string& pt = config_.prediction_type;
  if (pt == "epsilon") {
    pred_original = (sample - std::sqrt(beta_prod_t) * model_output) / std::sqrt(alpha_prod_t);
  } else if (pt == "sample") {
    pred_original = model_output;
  } else {  // v_prediction
    pred_original = std::sqrt(alpha_prod_t) * sample - std::sqrt(beta_prod_t) * model_output;
  }
  if (config_.clip_sample)
    pred_original = pred_original.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  const float pred_original_coeff = (std::sqrt(alpha_prod_t_prev) * current_beta_t) / beta_prod_t;
  const float current_sample_coeff = std::sqrt(current_alpha_t) * beta_prod_t_prev / beta_prod_t;
  at::Tensor prev = pred_original_coeff * pred_original + current_sample_coeff * sample;

  if (t > 0) {
    const at::Tensor variance_noise = draw_noise(noise, model_output);
    // _get_variance: the posterior variance, clamped before any log is taken.
    float variance = (1.0f - alpha_prod_t_prev) / (1.0f - alpha_prod_t) * current_beta_t;
    variance = std::max(variance, 1e-20f);
    const std::string& vt = config_.variance_type;
    at::Tensor added;
    if (vt == "fixed_small_log") {
      added = std::exp(0.5f * std::log(variance)) * variance_noise;
    } else if (vt == "fixed_large") {
      added = std::sqrt(current_beta_t) * variance_noise;
    } else {  // fixed_small
      added = std::sqrt(variance) * variance_noise;
    }
    prev = prev + added;
  }
  return prev;
}

}  // namespace mrti
