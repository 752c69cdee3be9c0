#include "schedulers/pndm_scheduler.h"

#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "PNDMScheduler";
  return c;
}
}  // namespace

PNDMScheduler::PNDMScheduler(SchedulerConfig config) : Scheduler(named(std::move(config))) {
  final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : acp(0);
}

void PNDMScheduler::set_timesteps(int n) {
  const int T = config_.num_train_timesteps;
  if (n < 1 || n > T)
    throw Error("PNDMScheduler: num_inference_steps must be in 1.." + std::to_string(T) + ", got " + std::to_string(n));
  if (!config_.skip_prk_steps && n < kPndmOrder)
    throw Error("PNDMScheduler: with skip_prk_steps=false it needs at least 4 steps, got " + std::to_string(n));
  num_inference_steps_ = n;

  // Ascending base timesteps.
  std::vector<int64_t> base;
  if (config_.timestep_spacing == "linspace") {
    for (double v : schedule::np_linspace(0, T - 1, n)) base.push_back(static_cast<int64_t>(schedule::np_round(v)));
  } else if (config_.timestep_spacing == "leading") {
    const int64_t ratio = T / n;
    for (int64_t i = 0; i < n; ++i) base.push_back(i * ratio + config_.steps_offset);
  } else {  // trailing
    const auto desc = schedule::np_arange(T, 0, -(double(T) / n));
    for (auto it = desc.rbegin(); it != desc.rend(); ++it) base.push_back(static_cast<int64_t>(schedule::np_round(*it)) - 1);
  }
  const auto m = static_cast<int64_t>(base.size());

  std::vector<int64_t> plms;
  prk_timesteps_.clear();
  if (config_.skip_prk_steps) {
    // base[:-1] + base[-2:-1] + base[-1:], reversed: the second timestep repeats.
    std::vector<int64_t> fwd(base.begin(), base.end() - 1);
    if (m >= 2) fwd.push_back(base[m - 2]);
    fwd.push_back(base[m - 1]);
    plms.assign(fwd.rbegin(), fwd.rend());
  } else {
    const int64_t half = T / n / 2;
    std::vector<int64_t> prk;  // base[-4:].repeat(2) + tile([0, half], 4)
    for (int64_t i = m - kPndmOrder; i < m; ++i) {
      prk.push_back(base[i]);
      prk.push_back(base[i] + half);
    }
    prk.pop_back();  // [:-1]
    std::vector<int64_t> twice;  // .repeat(2)[1:-1]
    for (int64_t v : prk) {
      twice.push_back(v);
      twice.push_back(v);
    }
    std::vector<int64_t> inner(twice.begin() + 1, twice.end() - 1);
    prk_timesteps_.assign(inner.rbegin(), inner.rend());
    for (int64_t i = m - 4; i >= 0; --i) plms.push_back(base[i]);  // base[:-3] reversed
  }
  std::vector<int64_t> all = prk_timesteps_;
  all.insert(all.end(), plms.begin(), plms.end());
  set_int_timesteps(all);

  ets_.clear();
  counter_ = 0;
  cur_model_output_ = at::Tensor();
  cur_sample_ = at::Tensor();
  reset_sequence();
}

at::Tensor PNDMScheduler::step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                               const NoiseFn&) {
  check_step_index(step_index, "step");
  check_sequential(step_index);
  const auto t = static_cast<int64_t>(timestep_values_[step_index]);
  if (counter_ < static_cast<int>(prk_timesteps_.size()) && !config_.skip_prk_steps)
    return step_prk(model_output, t, sample);
  return step_plms(model_output, t, sample);
}

at::Tensor PNDMScheduler::step_prk(const at::Tensor& model_output, int64_t timestep, const at::Tensor& sample) {
  const int64_t diff_to_prev = (counter_ % 2) ? 0 : config_.num_train_timesteps / num_inference_steps_ / 2;
  const int64_t prev_timestep = timestep - diff_to_prev;
  timestep = prk_timesteps_[counter_ / 4 * 4];

  at::Tensor output = model_output;
  auto accumulate = [&](double w) {
    const at::Tensor term = w * model_output;
    cur_model_output_ = cur_model_output_.defined() ? cur_model_output_ + term : term;
  };
  if (counter_ % 4 == 0) {
    accumulate(1.0 / 6);
    ets_.push_back(model_output);
    cur_sample_ = sample;
  } else if ((counter_ - 1) % 4 == 0) {
    accumulate(1.0 / 3);
  } else if ((counter_ - 2) % 4 == 0) {
    accumulate(1.0 / 3);
  } else {
    const at::Tensor term = (1.0 / 6) * model_output;
    output = cur_model_output_.defined() ? cur_model_output_ + term : term;
    cur_model_output_ = at::Tensor();
  }
  const at::Tensor& cur = cur_sample_.defined() ? cur_sample_ : sample;
  at::Tensor prev = prev_sample(cur, timestep, prev_timestep, output);
  ++counter_;
  return prev;
}

at::Tensor PNDMScheduler::step_plms(const at::Tensor& model_output, int64_t timestep, const at::Tensor& sample) {
  if (!config_.skip_prk_steps && ets_.size() < 3)
    throw Error("PNDMScheduler: the Runge-Kutta warm-up steps must run before the linear multistep steps");
  const int64_t stride = config_.num_train_timesteps / num_inference_steps_;
  int64_t prev_timestep = timestep - stride;

  if (counter_ != 1) {
    if (ets_.size() > 3) ets_.erase(ets_.begin(), ets_.end() - 3);
    ets_.push_back(model_output);
  } else {
    prev_timestep = timestep;
    timestep = timestep + stride;
  }

  at::Tensor output;
  at::Tensor x = sample;
  const size_t n = ets_.size();
  if (n == 1 && counter_ == 0) {
    output = model_output;
    cur_sample_ = sample;
  } else if (n == 1 && counter_ == 1) {
    output = (model_output + ets_[n - 1]) / 2;
    x = cur_sample_;
    cur_sample_ = at::Tensor();
  } else if (n == 2) {
    output = (3 * ets_[n - 1] - ets_[n - 2]) / 2;
  } else if (n == 3) {
    output = (23 * ets_[n - 1] - 16 * ets_[n - 2] + 5 * ets_[n - 3]) / 12;
  } else {
    output = (1.0 / 24) * (55 * ets_[n - 1] - 59 * ets_[n - 2] + 37 * ets_[n - 3] - 9 * ets_[n - 4]);
  }
  at::Tensor prev = prev_sample(x, timestep, prev_timestep, output);
  ++counter_;
  return prev;
}

at::Tensor PNDMScheduler::prev_sample(const at::Tensor& sample, int64_t timestep, int64_t prev_timestep,
                                      const at::Tensor& model_output) const {
  // Formula (9) of the PNDM paper, scalars in float32 as diffusers' 0-dim tensors.
  const float alpha_prod_t = acp(timestep);
  const float alpha_prod_t_prev = prev_timestep >= 0 ? acp(prev_timestep) : final_alpha_cumprod_;
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;

  at::Tensor eps = model_output;
  if (config_.prediction_type == "v_prediction")
    eps = std::sqrt(alpha_prod_t) * model_output + std::sqrt(beta_prod_t) * sample;

  const float sample_coeff = std::sqrt(alpha_prod_t_prev / alpha_prod_t);
  const float denom = alpha_prod_t * std::sqrt(beta_prod_t_prev) + std::sqrt(alpha_prod_t * beta_prod_t * alpha_prod_t_prev);
  return sample_coeff * sample - (alpha_prod_t_prev - alpha_prod_t) * eps / denom;
}

}  // namespace mrti
