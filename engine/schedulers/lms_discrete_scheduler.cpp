#include "schedulers/lms_discrete_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "LMSDiscreteScheduler";
  return c;
}
}  // namespace

LMSDiscreteScheduler::LMSDiscreteScheduler(SchedulerConfig config) : Scheduler(named(std::move(config))) {}

void LMSDiscreteScheduler::set_timesteps(int n) {
  if (n < 1) throw Error("LMSDiscreteScheduler: num_inference_steps must be at least 1, got " + std::to_string(n));
  num_inference_steps_ = n;
  const std::vector<float> ts32 = schedule::sigma_timesteps(config_, n);
  const std::vector<float> train = schedule::train_sigmas(alphas_cumprod_);
  std::vector<double> x(ts32.begin(), ts32.end());
  std::vector<double> sigmas = schedule::np_interp_index(x, std::vector<double>(train.begin(), train.end()));
  std::vector<float> ts = ts32;
  if (config_.use_karras_sigmas) {
    const std::vector<float> log_sigmas = schedule::log_of(train);
    sigmas = schedule::karras_sigmas(sigmas.back(), sigmas.front(), n);
    for (size_t i = 0; i < sigmas.size(); ++i) ts[i] = static_cast<float>(schedule::sigma_to_t(sigmas[i], log_sigmas));
  }
  sigmas.push_back(0.0);
  set_float_timesteps(ts);
  sigmas_ = schedule::float_tensor(sigmas);
  sigma_values_ = schedule::float_values(sigmas_);
  derivatives_.clear();
  reset_sequence();
}

double LMSDiscreteScheduler::init_noise_sigma() const {
  if (sigma_values_.empty()) throw Error("LMSDiscreteScheduler: call set_timesteps before init_noise_sigma");
  const float max_sigma = *std::max_element(sigma_values_.begin(), sigma_values_.end());
  if (config_.timestep_spacing == "linspace" || config_.timestep_spacing == "trailing") return max_sigma;
  return std::sqrt(max_sigma * max_sigma + 1.0f);
}

at::Tensor LMSDiscreteScheduler::scale_model_input(const at::Tensor& sample, int step_index) {
  check_step_index(step_index, "scale_model_input");
  const float sigma = sigma_values_[step_index];
  return sample / std::sqrt(sigma * sigma + 1.0f);
}

double LMSDiscreteScheduler::lms_coefficient(int order, int t, int current_order) const {
  // Integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial of degree
  // order-1; 4-point Gauss-Legendre is exact for it (diffusers uses scipy quad).
  auto s = [&](int i) { return double(sigma_values_[i]); };
  auto basis = [&](double tau) {
    double prod = 1.0;
    for (int k = 0; k < order; ++k) {
      if (k == current_order) continue;
      prod *= (tau - s(t - k)) / (s(t - current_order) - s(t - k));
    }
    return prod;
  };
  static const double nodes[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
  static const double weights[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
  const double a = s(t), b = s(t + 1);
  const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) sum += weights[i] * basis(mid + half * nodes[i]);
  return sum * half;
}

at::Tensor LMSDiscreteScheduler::step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                                      const NoiseFn&) {
  check_step_index(step_index, "step");
  check_sequential(step_index);
  const float sigma = sigma_values_[step_index];

  at::Tensor pred_original;
  const std::string& pt = config_.prediction_type;
  if (pt == "epsilon") {
    pred_original = sample - sigma * model_output;
  } else if (pt == "v_prediction") {
    pred_original = model_output * (-sigma / std::sqrt(sigma * sigma + 1.0f)) + (sample / (sigma * sigma + 1.0f));
  } else {  // sample
    pred_original = model_output;
  }
  derivatives_.push_back((sample - pred_original) / sigma);
  if (static_cast<int>(derivatives_.size()) > kOrder) derivatives_.pop_front();

  // Like diffusers, the order follows the step index; zip() then pairs the coefficients
  // with however many derivatives exist (fewer when sampling starts mid-schedule).
  const int order = std::min(step_index + 1, kOrder);
  at::Tensor sum;
  const int terms = std::min<int>(order, static_cast<int>(derivatives_.size()));
  for (int k = 0; k < terms; ++k) {
    const at::Tensor term = lms_coefficient(order, step_index, k) * derivatives_[derivatives_.size() - 1 - k];
    sum = sum.defined() ? sum + term : term;
  }
  return sample + sum;
}

}  // namespace mrti
