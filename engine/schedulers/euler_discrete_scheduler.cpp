#include "schedulers/euler_discrete_scheduler.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"
#include "schedulers/noise_schedule.h"

namespace mrti {
namespace {
SchedulerConfig named(SchedulerConfig c) {
  c.class_name = "EulerDiscreteScheduler";
  return c;
}
}  // namespace

EulerDiscreteScheduler::EulerDiscreteScheduler(SchedulerConfig config) : Scheduler(named(std::move(config))) {
  if (config_.rescale_betas_zero_snr) {
    // Close to 0 without being 0, so that the first sigma is finite.
    acp_.back() = 1.0f / 16777216.0f;
    alphas_cumprod_ = schedule::float_tensor(acp_);
  }
}

void EulerDiscreteScheduler::set_timesteps(int n) {
  if (n < 1) throw Error("EulerDiscreteScheduler: num_inference_steps must be at least 1, got " + std::to_string(n));
  num_inference_steps_ = n;
  const std::vector<float> ts32 = schedule::sigma_timesteps(config_, n);
  const std::vector<float> train = schedule::train_sigmas(alphas_cumprod_);
  const std::vector<float> log_sigmas = schedule::log_of(train);

  std::vector<double> sigmas;
  if (config_.interpolation_type == "linear") {
    const std::vector<double> x(ts32.begin(), ts32.end());
    sigmas = schedule::np_interp_index(x, std::vector<double>(train.begin(), train.end()));
  } else {  // log_linear: torch.linspace(log(sigma_max), log(sigma_min), n + 1).exp() in float32
    const auto t = torch::linspace(std::log(train.back()), std::log(train.front()), n + 1, torch::kFloat32).exp();
    for (float v : schedule::float_values(t)) sigmas.push_back(v);
  }

  std::vector<float> ts = ts32;
  if (config_.use_karras_sigmas) {
    const double smin = config_.sigma_min ? *config_.sigma_min : sigmas.back();
    const double smax = config_.sigma_max ? *config_.sigma_max : sigmas.front();
    sigmas = schedule::karras_sigmas(smin, smax, n);
    ts.resize(sigmas.size());
    for (size_t i = 0; i < sigmas.size(); ++i) ts[i] = static_cast<float>(schedule::sigma_to_t(sigmas[i], log_sigmas));
  }
  if (config_.timestep_type == "continuous" && config_.prediction_type == "v_prediction") {
    ts.resize(sigmas.size());
    for (size_t i = 0; i < sigmas.size(); ++i) ts[i] = static_cast<float>(0.25 * std::log(sigmas[i]));
  }
  sigmas.push_back(0.0);
  set_float_timesteps(ts);
  sigmas_ = schedule::float_tensor(sigmas);
  sigma_values_ = schedule::float_values(sigmas_);
}

double EulerDiscreteScheduler::init_noise_sigma() const {
  if (sigma_values_.empty()) throw Error("EulerDiscreteScheduler: call set_timesteps before init_noise_sigma");
  const float max_sigma = *std::max_element(sigma_values_.begin(), sigma_values_.end());
  if (config_.timestep_spacing == "linspace" || config_.timestep_spacing == "trailing") return max_sigma;
  return std::sqrt(max_sigma * max_sigma + 1.0f);
}

at::Tensor EulerDiscreteScheduler::scale_model_input(const at::Tensor& sample, int step_index) {
  check_step_index(step_index, "scale_model_input");
  const float sigma = sigma_values_[step_index];
  return sample / std::sqrt(sigma * sigma + 1.0f);
}

at::Tensor EulerDiscreteScheduler::step(const at::Tensor& model_output, int step_index, const at::Tensor& sample_in,
                                        const NoiseFn&) {
  check_step_index(step_index, "step");
  // Upcast to avoid precision issues, as diffusers does.
  const at::Tensor sample = sample_in.to(torch::kFloat32);
  const float sigma = sigma_values_[step_index];
  const float sigma_hat = sigma;  // gamma = 0: no churn

  at::Tensor pred_original;
  const std::string& pt = config_.prediction_type;
  if (pt == "epsilon") {
    pred_original = sample - sigma_hat * model_output;
  } else if (pt == "v_prediction") {
    pred_original = model_output * (-sigma / std::sqrt(sigma * sigma + 1.0f)) + (sample / (sigma * sigma + 1.0f));
  } else {  // sample
    pred_original = model_output;
  }
  const at::Tensor derivative = (sample - pred_original) / sigma_hat;
  const float dt = sigma_values_[step_index + 1] - sigma_hat;
  return (sample + derivative * dt).to(model_output.scalar_type());
}

}  // namespace mrti
