#include "schedulers/noise_schedule.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "runtime/error.h"

namespace mrti::schedule {

at::Tensor rescale_zero_terminal_snr(const at::Tensor& betas) {
  // Lin et al. 2023, Algorithm 1, in float32 as diffusers computes it.
  auto alphas = 1.0 - betas;
  auto alphas_bar_sqrt = torch::cumprod(alphas, 0).sqrt();
  auto a0 = alphas_bar_sqrt[0].clone();
  auto aT = alphas_bar_sqrt[-1].clone();
  alphas_bar_sqrt -= aT;
  alphas_bar_sqrt *= a0 / (a0 - aT);
  auto alphas_bar = alphas_bar_sqrt.pow(2);
  auto ratios = alphas_bar.slice(0, 1) / alphas_bar.slice(0, 0, -1);
  return 1 - torch::cat({alphas_bar.slice(0, 0, 1), ratios});
}

at::Tensor make_betas(const SchedulerConfig& c) {
  const int64_t n = c.num_train_timesteps;
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  at::Tensor betas;
  if (c.trained_betas) {
    betas = float_tensor(*c.trained_betas);
  } else if (c.beta_schedule == "linear") {
    betas = torch::linspace(c.beta_start, c.beta_end, n, f32);
  } else if (c.beta_schedule == "scaled_linear") {
    betas = torch::linspace(std::pow(c.beta_start, 0.5), std::pow(c.beta_end, 0.5), n, f32).pow(2);
  } else if (c.beta_schedule == "squaredcos_cap_v2") {
    // Glide cosine schedule, computed in Python floats.
    auto alpha_bar = [](double t) {
      const double v = std::cos((t + 0.008) / 1.008 * M_PI / 2);
      return v * v;
    };
    std::vector<double> b(n);
    for (int64_t i = 0; i < n; ++i) {
      const double t1 = double(i) / double(n), t2 = double(i + 1) / double(n);
      b[i] = std::min(1 - alpha_bar(t2) / alpha_bar(t1), 0.999);
    }
    betas = float_tensor(b);
  } else if (c.beta_schedule == "sigmoid") {
    betas = torch::sigmoid(torch::linspace(-6, 6, n, f32)) * (c.beta_end - c.beta_start) + c.beta_start;
  } else {
    throw Error(c.class_name + ": beta_schedule \"" + c.beta_schedule + "\" is not supported");
  }
  if (c.rescale_betas_zero_snr) betas = rescale_zero_terminal_snr(betas);
  return betas.contiguous();
}

std::vector<double> np_linspace(double start, double stop, int64_t num) {
  std::vector<double> y(std::max<int64_t>(num, 0));
  if (num <= 0) return y;
  if (num == 1) {
    y[0] = start;
    return y;
  }
  const double step = (stop - start) / double(num - 1);
  for (int64_t i = 0; i < num; ++i) y[i] = double(i) * step + start;
  y[num - 1] = stop;
  return y;
}

std::vector<double> np_arange(double start, double stop, double step) {
  const double len = std::ceil((stop - start) / step);
  if (!(len > 0)) return {};
  const auto n = static_cast<int64_t>(len);
  std::vector<double> y(n);
  // numpy fills from the first two values: v[i] = start + i * (v[1] - v[0]).
  y[0] = start;
  if (n > 1) y[1] = start + step;
  const double delta = n > 1 ? y[1] - start : step;
  for (int64_t i = 2; i < n; ++i) y[i] = start + double(i) * delta;
  return y;
}

double np_round(double x) { return std::nearbyint(x); }

std::vector<double> np_interp_index(const std::vector<double>& x, const std::vector<double>& fp) {
  const int64_t n = static_cast<int64_t>(fp.size());
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    if (std::isnan(v)) {
      out[i] = v;
    } else if (v < 0) {
      out[i] = fp[0];
    } else if (v >= double(n - 1)) {
      out[i] = fp[n - 1];
    } else {
      const auto j = static_cast<int64_t>(std::floor(v));
      if (double(j) == v) {
        out[i] = fp[j];
      } else {
        const double slope = (fp[j + 1] - fp[j]) / (double(j + 1) - double(j));
        out[i] = slope * (v - double(j)) + fp[j];
      }
    }
  }
  return out;
}

std::vector<float> train_sigmas(const at::Tensor& alphas_cumprod) {
  const std::vector<float> acp = float_values(alphas_cumprod);
  std::vector<float> s(acp.size());
  for (size_t i = 0; i < acp.size(); ++i) s[i] = std::sqrt((1.0f - acp[i]) / acp[i]);
  return s;
}

std::vector<float> log_of(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = std::log(x[i]);
  return y;
}

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t n) {
  const double rho = 7.0;
  const std::vector<double> ramp = np_linspace(0, 1, n);
  const double min_inv_rho = std::pow(sigma_min, 1 / rho);
  const double max_inv_rho = std::pow(sigma_max, 1 / rho);
  std::vector<double> s(ramp.size());
  for (size_t i = 0; i < ramp.size(); ++i) s[i] = std::pow(max_inv_rho + ramp[i] * (min_inv_rho - max_inv_rho), rho);
  return s;
}

double sigma_to_t(double sigma, const std::vector<float>& log_sigmas) {
  const auto n = static_cast<int64_t>(log_sigmas.size());
  const auto log_sigma = static_cast<float>(std::log(std::max(sigma, 1e-10)));
  // low_idx: the last index whose log sigma is <= log_sigma (0 when there is none).
  int64_t low_idx = 0;
  for (int64_t i = 0; i < n; ++i)
    if (log_sigma - log_sigmas[i] >= 0.0f) low_idx = i;
  low_idx = std::min(low_idx, n - 2);
  const int64_t high_idx = low_idx + 1;
  const float low = log_sigmas[low_idx], high = log_sigmas[high_idx];
  float w = (low - log_sigma) / (low - high);
  w = std::min(std::max(w, 0.0f), 1.0f);
  return double(1.0f - w) * double(low_idx) + double(w) * double(high_idx);
}

std::vector<int64_t> discrete_timesteps(const SchedulerConfig& c, int n) {
  const int T = c.num_train_timesteps;
  std::vector<int64_t> ts;
  if (c.timestep_spacing == "linspace") {
    for (double v : np_linspace(0, T - 1, n)) ts.push_back(static_cast<int64_t>(np_round(v)));
    std::reverse(ts.begin(), ts.end());
  } else if (c.timestep_spacing == "leading") {
    const int64_t ratio = T / n;
    for (int64_t i = n - 1; i >= 0; --i) ts.push_back(i * ratio + c.steps_offset);
  } else if (c.timestep_spacing == "trailing") {
    for (double v : np_arange(T, 0, -(double(T) / n))) ts.push_back(static_cast<int64_t>(np_round(v)) - 1);
  } else {
    throw Error(c.class_name + ": timestep_spacing \"" + c.timestep_spacing + "\" is not supported");
  }
  return ts;
}

std::vector<float> sigma_timesteps(const SchedulerConfig& c, int n) {
  const int T = c.num_train_timesteps;
  std::vector<float> ts;
  if (c.timestep_spacing == "linspace") {
    for (double v : np_linspace(0, T - 1, n)) ts.push_back(static_cast<float>(v));
    std::reverse(ts.begin(), ts.end());
  } else if (c.timestep_spacing == "leading") {
    const int64_t ratio = T / n;
    for (int64_t i = n - 1; i >= 0; --i) ts.push_back(static_cast<float>(i * ratio) + static_cast<float>(c.steps_offset));
  } else if (c.timestep_spacing == "trailing") {
    for (double v : np_arange(T, 0, -(double(T) / n))) ts.push_back(static_cast<float>(np_round(v)) - 1.0f);
  } else {
    throw Error(c.class_name + ": timestep_spacing \"" + c.timestep_spacing + "\" is not supported");
  }
  return ts;
}

at::Tensor float_tensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64).to(torch::kFloat32);
}

at::Tensor float_tensor(const std::vector<float>& values) {
  return torch::tensor(values, torch::kFloat32);
}

at::Tensor long_tensor(const std::vector<int64_t>& values) { return torch::tensor(values, torch::kInt64); }

std::vector<float> float_values(const at::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace mrti::schedule
