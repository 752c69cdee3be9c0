#include "schedulers/ddim_scheduler.h"

#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "DDIMScheduler";
  return c;
}
}  // namespace

DDIMScheduler::DDIMScheduler(SchedulerConfig config, double eta) : Scheduler(named(std::move(config))) {
  set_eta(eta);
  // The "alpha" before the first training step: 1, or alphas_cumprod[0] as SD uses.
  final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : acp(0);
}

void DDIMScheduler::set_eta(double eta) {
  if (!(eta >= 0.0 && eta <= 1.0)) throw Error("DDIMScheduler: eta must be in [0, 1], got " + std::to_string(eta));
  eta_ = eta;
}

void DDIMScheduler::set_timesteps(int n) {
  if (n < 1 || n > config_.num_train_timesteps)
    throw Error("DDIMScheduler: num_inference_steps must be in 1.." + std::to_string(config_.num_train_timesteps) +
                ", got " + std::to_string(n));
  num_inference_steps_ = n;
  set_int_timesteps(schedule::discrete_timesteps(config_, n));
}

at::Tensor DDIMScheduler::step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                               const NoiseFn& noise) {
  check_step_index(step_index, "step");
  const auto t = static_cast<int64_t>(timestep_values_[step_index]);
  const int64_t prev_t = t - config_.num_train_timesteps / num_inference_steps_;

  const float alpha_prod_t = acp(t);
  const float alpha_prod_t_prev = prev_t >= 0 ? acp(prev_t) : final_alpha_cumprod_;
  const float beta_prod_t = 1.0f - alpha_prod_t;

  at::Tensor pred_original, pred_epsilon;
  const std::string& pt = config_.prediction_type;
  if (pt == "epsilon") {
    pred_original = (sample - std::sqrt(beta_prod_t) * model_output) / std::sqrt(alpha_prod_t);
    pred_epsilon = model_output;
  } else if (pt == "sample") {
    pred_original = model_output;
    pred_epsilon = (sample - std::sqrt(alpha_prod_t) * pred_original) / std::sqrt(beta_prod_t);
  } else {  // v_prediction
    pred_original = std::sqrt(alpha_prod_t) * sample - std::sqrt(beta_prod_t) * model_output;
    pred_epsilon = std::sqrt(alpha_prod_t) * model_output + std::sqrt(beta_prod_t) * sample;
  }
  if (config_.clip_sample)
    pred_original = pred_original.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  // sigma_t(eta), formula (16) of the DDIM paper.
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float variance = (beta_prod_t_prev / beta_prod_t) * (1.0f - alpha_prod_t / alpha_prod_t_prev);
  const float std_dev_t = static_cast<float>(eta_) * std::sqrt(variance);

  const at::Tensor direction = std::sqrt(1.0f - alpha_prod_t_prev - std_dev_t * std_dev_t) * pred_epsilon;
  at::Tensor prev = std::sqrt(alpha_prod_t_prev) * pred_original + direction;
  if (eta_ > 0) prev = prev + std_dev_t * draw_noise(noise, model_output);
  return prev;
}

}  // namespace mrti
