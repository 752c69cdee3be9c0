#include "schedulers/dpm_solver_multistep_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {

SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "DPMSolverMultistepScheduler";
  // Deprecated names diffusers maps onto the supported ones.
  if (c.algorithm_type == "deis") c.algorithm_type = "dpmsolver++";
  if (c.solver_type == "logrho" || c.solver_type == "bh1" || c.solver_type == "bh2") c.solver_type = "midpoint";
  return c;
}

// alpha_t, sigma_t and lambda_t of a sigma (VP form), in float32 like diffusers' 0-dim tensors.
struct Point {
  float alpha, sigma, lambda;
};
Point point(float s) {
  const float alpha = 1.0f / std::sqrt(s * s + 1.0f);
  const float sigma = s * alpha;
  return {alpha, sigma, std::log(alpha) - std::log(sigma)};
}

}  // namespace

DPMSolverMultistepScheduler::DPMSolverMultistepScheduler(SchedulerConfig config)
    : Scheduler(named(std::move(config))) {}

bool DPMSolverMultistepScheduler::is_stochastic() const {
  return config_.algorithm_type == "sde-dpmsolver++" || config_.algorithm_type == "sde-dpmsolver";
}

void DPMSolverMultistepScheduler::set_timesteps(int n) {
  if (n < 1)
    throw Error("DPMSolverMultistepScheduler: num_inference_steps must be at least 1, got " + std::to_string(n));
  const int T = config_.num_train_timesteps;

  // Clip the smallest lambda(t) for numerical stability (matters for squaredcos_cap_v2).
  int64_t clipped_idx = 0;  // searchsorted(flip(lambda_t), lambda_min_clipped)
  for (int64_t t = T - 1; t >= 0; --t) {
    const float a = acp_[t];
    const float lambda = std::log(std::sqrt(a)) - std::log(std::sqrt(1.0f - a));
    if (double(lambda) < config_.lambda_min_clipped) ++clipped_idx;
    else break;
  }
  const int64_t last_timestep = T - clipped_idx;

  std::vector<double> ts;
  if (config_.timestep_spacing == "linspace") {
    auto v = schedule::np_linspace(0, double(last_timestep - 1), n + 1);
    for (int64_t i = n; i >= 1; --i) ts.push_back(schedule::np_round(v[i]));
  } else if (config_.timestep_spacing == "leading") {
    const int64_t ratio = last_timestep / (n + 1);
    for (int64_t i = n; i >= 1; --i) ts.push_back(double(i * ratio + config_.steps_offset));
  } else {  // trailing
    for (double v : schedule::np_arange(double(last_timestep), 0, -(double(T) / n))) ts.push_back(schedule::np_round(v) - 1);
  }

  const std::vector<float> train = schedule::train_sigmas(alphas_cumprod_);
  const std::vector<float> log_sigmas = schedule::log_of(train);
  std::vector<double> sigmas;
  if (config_.use_karras_sigmas) {
    sigmas = schedule::karras_sigmas(train.front(), train.back(), n);
    ts.clear();
    for (double s : sigmas) ts.push_back(schedule::np_round(schedule::sigma_to_t(s, log_sigmas)));
    sigmas.push_back(sigmas.back());
  } else if (config_.use_lu_lambdas) {
    // Uniform in lambda, as diffusers' _convert_to_lu over flip(log_sigmas).
    const double lmin = log_sigmas.front(), lmax = log_sigmas.back();
    for (double r : schedule::np_linspace(0, 1, n)) sigmas.push_back(std::exp(lmax + r * (lmin - lmax)));
    ts.clear();
    for (double s : sigmas) ts.push_back(schedule::np_round(schedule::sigma_to_t(s, log_sigmas)));
    sigmas.push_back(sigmas.back());
  } else {
    sigmas = schedule::np_interp_index(ts, std::vector<double>(train.begin(), train.end()));
    sigmas.push_back(train.front());  // sigma_last: sigma at t = 0
  }

  std::vector<int64_t> its;
  for (double t : ts) its.push_back(static_cast<int64_t>(t));
  set_int_timesteps(its);
  num_inference_steps_ = static_cast<int>(its.size());
  sigmas_ = schedule::float_tensor(sigmas);
  sigma_values_ = schedule::float_values(sigmas_);

  model_outputs_.assign(config_.solver_order, at::Tensor());
  lower_order_nums_ = 0;
  reset_sequence();
}

at::Tensor DPMSolverMultistepScheduler::convert_model_output(const at::Tensor& model_output, int i,
                                                             const at::Tensor& sample) const {
  const std::string& pt = config_.prediction_type;
  const Point p = point(sigma_values_[i]);
  const bool data_prediction = config_.algorithm_type == "dpmsolver++" || config_.algorithm_type == "sde-dpmsolver++";
  if (data_prediction) {  // DPM-Solver++ integrates the x0 prediction
    if (pt == "epsilon") return (sample - p.sigma * model_output) / p.alpha;
    if (pt == "sample") return model_output;
    return p.alpha * sample - p.sigma * model_output;  // v_prediction
  }
  // DPM-Solver integrates the noise prediction.
  if (pt == "epsilon") return model_output;
  if (pt == "sample") return (sample - p.alpha * model_output) / p.sigma;
  return p.alpha * model_output + p.sigma * sample;  // v_prediction
}

at::Tensor DPMSolverMultistepScheduler::first_order_update(const at::Tensor& m0, int i, const at::Tensor& sample,
                                                           const at::Tensor& noise) const {
  const Point t = point(sigma_values_[i + 1]), s = point(sigma_values_[i]);
  const float h = t.lambda - s.lambda;
  const std::string& alg = config_.algorithm_type;
  if (alg == "dpmsolver++") return (t.sigma / s.sigma) * sample - (t.alpha * (std::exp(-h) - 1.0f)) * m0;
  if (alg == "dpmsolver") return (t.alpha / s.alpha) * sample - (t.sigma * (std::exp(h) - 1.0f)) * m0;
  if (alg == "sde-dpmsolver++")
    return (t.sigma / s.sigma * std::exp(-h)) * sample + (t.alpha * (1 - std::exp(-2.0f * h))) * m0 +
           t.sigma * std::sqrt(1.0f - std::exp(-2 * h)) * noise;
  // sde-dpmsolver
  return (t.alpha / s.alpha) * sample - 2.0f * (t.sigma * (std::exp(h) - 1.0f)) * m0 +
         t.sigma * std::sqrt(std::exp(2 * h) - 1.0f) * noise;
}

at::Tensor DPMSolverMultistepScheduler::second_order_update(int i, const at::Tensor& sample,
                                                            const at::Tensor& noise) const {
  const Point t = point(sigma_values_[i + 1]), s0 = point(sigma_values_[i]), s1 = point(sigma_values_[i - 1]);
  const at::Tensor& m0 = model_outputs_[model_outputs_.size() - 1];
  const at::Tensor& m1 = model_outputs_[model_outputs_.size() - 2];
  const float h = t.lambda - s0.lambda, h_0 = s0.lambda - s1.lambda;
  const float r0 = h_0 / h;
  const at::Tensor& D0 = m0;
  const at::Tensor D1 = (1.0f / r0) * (m0 - m1);
  const std::string& alg = config_.algorithm_type;
  const bool midpoint = config_.solver_type == "midpoint";
  if (alg == "dpmsolver++") {
    if (midpoint)
      return (t.sigma / s0.sigma) * sample - (t.alpha * (std::exp(-h) - 1.0f)) * D0 -
             0.5f * (t.alpha * (std::exp(-h) - 1.0f)) * D1;
    return (t.sigma / s0.sigma) * sample - (t.alpha * (std::exp(-h) - 1.0f)) * D0 +
           (t.alpha * ((std::exp(-h) - 1.0f) / h + 1.0f)) * D1;
  }
  if (alg == "dpmsolver") {
    if (midpoint)
      return (t.alpha / s0.alpha) * sample - (t.sigma * (std::exp(h) - 1.0f)) * D0 -
             0.5f * (t.sigma * (std::exp(h) - 1.0f)) * D1;
    return (t.alpha / s0.alpha) * sample - (t.sigma * (std::exp(h) - 1.0f)) * D0 -
           (t.sigma * ((std::exp(h) - 1.0f) / h - 1.0f)) * D1;
  }
  if (alg == "sde-dpmsolver++") {
    const at::Tensor base = (t.sigma / s0.sigma * std::exp(-h)) * sample + (t.alpha * (1 - std::exp(-2.0f * h))) * D0;
    const at::Tensor tail = t.sigma * std::sqrt(1.0f - std::exp(-2 * h)) * noise;
    if (midpoint) return base + 0.5f * (t.alpha * (1 - std::exp(-2.0f * h))) * D1 + tail;
    return base + (t.alpha * ((1.0f - std::exp(-2.0f * h)) / (-2.0f * h) + 1.0f)) * D1 + tail;
  }
  // sde-dpmsolver
  const at::Tensor base = (t.alpha / s0.alpha) * sample - 2.0f * (t.sigma * (std::exp(h) - 1.0f)) * D0;
  const at::Tensor tail = t.sigma * std::sqrt(std::exp(2 * h) - 1.0f) * noise;
  if (midpoint) return base - (t.sigma * (std::exp(h) - 1.0f)) * D1 + tail;
  return base - 2.0f * (t.sigma * ((std::exp(h) - 1.0f) / h - 1.0f)) * D1 + tail;
}

at::Tensor DPMSolverMultistepScheduler::third_order_update(int i, const at::Tensor& sample) const {
  const Point t = point(sigma_values_[i + 1]), s0 = point(sigma_values_[i]), s1 = point(sigma_values_[i - 1]),
              s2 = point(sigma_values_[i - 2]);
  const size_t n = model_outputs_.size();
  const at::Tensor &m0 = model_outputs_[n - 1], &m1 = model_outputs_[n - 2], &m2 = model_outputs_[n - 3];
  const float h = t.lambda - s0.lambda, h_0 = s0.lambda - s1.lambda, h_1 = s1.lambda - s2.lambda;
  const float r0 = h_0 / h, r1 = h_1 / h;
  const at::Tensor& D0 = m0;
  const at::Tensor D1_0 = (1.0f / r0) * (m0 - m1);
  const at::Tensor D1_1 = (1.0f / r1) * (m1 - m2);
  const at::Tensor D1 = D1_0 + (r0 / (r0 + r1)) * (D1_0 - D1_1);
  const at::Tensor D2 = (1.0f / (r0 + r1)) * (D1_0 - D1_1);
  if (config_.algorithm_type == "dpmsolver++")
    return (t.sigma / s0.sigma) * sample - (t.alpha * (std::exp(-h) - 1.0f)) * D0 +
           (t.alpha * ((std::exp(-h) - 1.0f) / h + 1.0f)) * D1 -
           (t.alpha * ((std::exp(-h) - 1.0f + h) / (h * h) - 0.5f)) * D2;
  return (t.alpha / s0.alpha) * sample - (t.sigma * (std::exp(h) - 1.0f)) * D0 -
         (t.sigma * ((std::exp(h) - 1.0f) / h - 1.0f)) * D1 -
         (t.sigma * ((std::exp(h) - 1.0f - h) / (h * h) - 0.5f)) * D2;
}

at::Tensor DPMSolverMultistepScheduler::step(const at::Tensor& model_output, int i, const at::Tensor& sample,
                                             const NoiseFn& noise) {
  check_step_index(i, "step");
  check_sequential(i);
  const auto len = static_cast<int>(num_steps());
  // Lower orders near the end stabilise sampling with few steps.
  const bool lower_order_final =
      i == len - 1 && (config_.euler_at_final || (config_.lower_order_final && len < 15));
  const bool lower_order_second = i == len - 2 && config_.lower_order_final && len < 15;

  const at::Tensor converted = convert_model_output(model_output, i, sample);
  std::rotate(model_outputs_.begin(), model_outputs_.begin() + 1, model_outputs_.end());
  model_outputs_.back() = converted;

  at::Tensor n;
  if (is_stochastic()) n = draw_noise(noise, model_output);

  at::Tensor prev;
  const int order = config_.solver_order;
  if (order == 1 || lower_order_nums_ < 1 || lower_order_final)
    prev = first_order_update(converted, i, sample, n);
  else if (order == 2 || lower_order_nums_ < 2 || lower_order_second)
    prev = second_order_update(i, sample, n);
  else
    prev = third_order_update(i, sample);
  if (lower_order_nums_ < order) ++lower_order_nums_;
  return prev;
}

}  // namespace mrti
