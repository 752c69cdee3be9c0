#pragma once
// Noise-schedule tables shared by the schedulers, computed the way diffusers 0.25.1 does:
// betas and alphas_cumprod with torch in float32, timestep and sigma spacing with numpy
// in float64 (then cast to float32), so that the tables match the reference exactly.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "schedulers/scheduler_config.h"

namespace mrti::schedule {

// betas [num_train_timesteps] float32, after rescale_betas_zero_snr when the class has it.
at::Tensor make_betas(const SchedulerConfig& config);
at::Tensor rescale_zero_terminal_snr(const at::Tensor& betas);

// numpy.linspace / numpy.arange (float) / numpy.round (half to even) in float64.
std::vector<double> np_linspace(double start, double stop, int64_t num);
std::vector<double> np_arange(double start, double stop, double step);
double np_round(double x);
// numpy.interp(x, arange(len(fp)), fp).
std::vector<double> np_interp_index(const std::vector<double>& x, const std::vector<double>& fp);

// ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 in float32, ascending in t.
std::vector<float> train_sigmas(const at::Tensor& alphas_cumprod);
std::vector<float> log_of(const std::vector<float>& x);  // numpy.log of a float32 array
// The Karras et al. (2022) schedule, rho = 7, from sigma_max down to sigma_min.
std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t n);
// diffusers' _sigma_to_t: the fractional training timestep of `sigma`, interpolating
// log sigma. NumPy 1.x keeps this in float32 (a float64 scalar does not upcast a float32
// array), which we reproduce.
double sigma_to_t(double sigma, const std::vector<float>& log_sigmas);

// Timesteps of DDPM/DDIM (int64, descending) for the configured timestep_spacing.
std::vector<int64_t> discrete_timesteps(const SchedulerConfig& config, int num_inference_steps);
// Timesteps of Euler/EulerAncestral/LMS (float32, descending) before any Karras remapping.
std::vector<float> sigma_timesteps(const SchedulerConfig& config, int num_inference_steps);

at::Tensor float_tensor(const std::vector<double>& values);  // float32 [n]
at::Tensor float_tensor(const std::vector<float>& values);
at::Tensor long_tensor(const std::vector<int64_t>& values);
std::vector<float> float_values(const at::Tensor& t);

}  // namespace mrti::schedule
