#include "schedulers/scheduler.h"

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {

Scheduler::Scheduler(SchedulerConfig config) : config_(std::move(config)) {
  validate_scheduler_config(config_, config_.class_name);
  betas_ = schedule::make_betas(config_);
  alphas_cumprod_ = torch::cumprod(1.0 - betas_, 0);
  acp_ = schedule::float_values(alphas_cumprod_);
}

double Scheduler::timestep(int step_index) const {
  check_step_index(step_index, "timestep");
  return timestep_values_[step_index];
}

at::Tensor Scheduler::scale_model_input(const at::Tensor& sample, int step_index) {
  check_step_index(step_index, "scale_model_input");
  return sample;
}

void Scheduler::set_eta(double eta) {
  if (eta != 0.0)
    throw Error(name() + " has no eta parameter (eta applies to the DDIM sampler only); use eta 0 or choose ddim");
}

void Scheduler::check_step_index(int step_index, const char* what) const {
  if (timestep_values_.empty())
    throw Error(name() + "::" + what + ": call set_timesteps before sampling");
  if (step_index < 0 || step_index >= num_steps())
    throw Error(name() + "::" + what + ": step index " + std::to_string(step_index) + " is outside 0.." +
                std::to_string(num_steps() - 1));
}

void Scheduler::check_sequential(int step_index) {
  if (last_step_ >= 0 && step_index != last_step_ + 1)
    throw Error(name() + "::step: step " + std::to_string(step_index) + " follows step " + std::to_string(last_step_) +
                "; this sampler keeps a multistep history, so steps must run in order (call set_timesteps to restart)");
  last_step_ = step_index;
}

float Scheduler::acp(int64_t t) const {
  if (t < 0 || t >= static_cast<int64_t>(acp_.size()))
    throw Error(name() + ": timestep " + std::to_string(t) + " is outside the training schedule 0.." +
                std::to_string(acp_.size() - 1));
  return acp_[t];
}

at::Tensor Scheduler::draw_noise(const NoiseFn& noise, const at::Tensor& like) {
  if (!noise) return torch::randn_like(like);
  at::Tensor n = noise(like);
  if (!n.defined() || n.sizes() != like.sizes())
    throw Error("scheduler noise source returned a tensor of the wrong shape");
  return n.to(like.options());
}

void Scheduler::set_int_timesteps(const std::vector<int64_t>& ts) {
  timesteps_ = schedule::long_tensor(ts);
  timestep_values_.assign(ts.begin(), ts.end());
}

void Scheduler::set_float_timesteps(const std::vector<float>& ts) {
  timesteps_ = schedule::float_tensor(ts);
  timestep_values_.assign(ts.begin(), ts.end());
}

namespace {

// alphas_cumprod[timesteps] ** 0.5 and (1 - alphas_cumprod[timesteps]) ** 0.5, shaped to
// broadcast over `like`'s batch rows.
std::pair<at::Tensor, at::Tensor> forward_coefficients(const at::Tensor& alphas_cumprod, const at::Tensor& like,
                                                       const at::Tensor& timesteps) {
  const auto acp = alphas_cumprod.to(like.device(), like.scalar_type());
  const auto a = acp.take(timesteps.to(like.device(), torch::kInt64));
  auto sqrt_alpha = a.pow(0.5).flatten();
  auto sqrt_one_minus = (1 - a).pow(0.5).flatten();
  while (sqrt_alpha.dim() < like.dim()) {
    sqrt_alpha = sqrt_alpha.unsqueeze(-1);
    sqrt_one_minus = sqrt_one_minus.unsqueeze(-1);
  }
  return {sqrt_alpha, sqrt_one_minus};
}

}  // namespace

at::Tensor Scheduler::add_noise(const at::Tensor& original, const at::Tensor& noise, const at::Tensor& timesteps) const {
  const auto [sqrt_alpha, sqrt_one_minus] = forward_coefficients(alphas_cumprod_, original, timesteps);
  return sqrt_alpha * original + sqrt_one_minus * noise;
}

at::Tensor Scheduler::get_velocity(const at::Tensor& sample, const at::Tensor& noise, const at::Tensor& timesteps) const {
  const auto [sqrt_alpha, sqrt_one_minus] = forward_coefficients(alphas_cumprod_, sample, timesteps);
  return sqrt_alpha * noise - sqrt_one_minus * sample;
}

}  // namespace mrti
