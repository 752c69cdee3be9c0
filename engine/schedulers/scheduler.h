#pragma once
// The one scheduler interface: a reimplementation of the diffusers 0.25.1 schedulers,
// driven by step index. The caller loops `for i in 0..timesteps().numel()`, feeds the UNet
// scale_model_input(sample, i) at timestep timesteps()[i], then calls step(..., i, ...).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json_fwd.hpp>

#include "schedulers/scheduler_config.h"

namespace mrti {

// Supplies the Gaussian noise a stochastic step draws, shaped like `like` (the model
// output). The pipeline draws it from per-image generators; tests replay recorded noise.
// An empty NoiseFn falls back to torch::randn_like.
using NoiseFn = std::function<at::Tensor(const at::Tensor& like)>;

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The diffusers class name, e.g. "EulerAncestralDiscreteScheduler".
  virtual std::string name() const = 0;

  // Builds the inference schedule and resets the multistep history (PNDM ets, LMS
  // derivatives, DPM-Solver model outputs).
  virtual void set_timesteps(int num_inference_steps) = 0;

  // One entry per loop iteration: int64 for DDPM/DDIM/PNDM/DPM-Solver, float32 for
  // Euler/Euler ancestral/LMS, as in diffusers. PNDM repeats its second timestep.
  const at::Tensor& timesteps() const { return timesteps_; }
  int64_t num_steps() const { return static_cast<int64_t>(timestep_values_.size()); }
  double timestep(int step_index) const;  // timesteps()[step_index] as a number

  // float32 [num_steps + 1] for the sigma-based schedulers; undefined otherwise.
  const at::Tensor& sigmas() const { return sigmas_; }

  // What the initial N(0,1) latents are multiplied by.
  virtual double init_noise_sigma() const { return 1.0; }
  virtual at::Tensor scale_model_input(const at::Tensor& sample, int step_index);
  // The sample at the next (less noisy) timestep.
  virtual at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample,
                          const NoiseFn& noise = nullptr) = 0;

  // DDIM's eta (0 = deterministic, 1 = DDPM-like noise). Other samplers have none: they
  // accept 0 and throw mrti::Error for anything else.
  virtual void set_eta(double eta);

  // diffusers' `order` attribute (model evaluations per step): 1 for all of these.
  virtual int order() const { return 1; }
  // Whether step() draws noise.
  virtual bool is_stochastic() const { return false; }

  const SchedulerConfig& config() const { return config_; }
  const at::Tensor& betas() const { return betas_; }                    // float32 [T]
  const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }  // float32 [T]

  // DDPM forward process, as DDPMScheduler.add_noise / get_velocity (for training): with
  // a = alphas_cumprod[timesteps] in the samples' dtype, per batch row
  // add_noise = sqrt(a) * original + sqrt(1 - a) * noise and
  // get_velocity = sqrt(a) * noise - sqrt(1 - a) * sample. `timesteps` is int64, [B] or 0-dim.
  at::Tensor add_noise(const at::Tensor& original, const at::Tensor& noise, const at::Tensor& timesteps) const;
  at::Tensor get_velocity(const at::Tensor& sample, const at::Tensor& noise, const at::Tensor& timesteps) const;

 protected:
  explicit Scheduler(SchedulerConfig config);

  // Throws unless set_timesteps ran and 0 <= step_index < num_steps().
  void check_step_index(int step_index, const char* what) const;
  // For schedulers with a multistep history: steps must follow one another after the
  // first one (which may start anywhere, as img2img does).
  void check_sequential(int step_index);
  void reset_sequence() { last_step_ = -1; }
  // alphas_cumprod[t] as a float (the 0-dim float32 tensor diffusers computes with).
  float acp(int64_t t) const;
  static at::Tensor draw_noise(const NoiseFn& noise, const at::Tensor& like);

  void set_int_timesteps(const std::vector<int64_t>& ts);
  void set_float_timesteps(const std::vector<float>& ts);

  SchedulerConfig config_;
  at::Tensor betas_;
  at::Tensor alphas_cumprod_;
  std::vector<float> acp_;
  at::Tensor timesteps_;
  std::vector<double> timestep_values_;
  at::Tensor sigmas_;
  std::vector<float> sigma_values_;
  int num_inference_steps_ = 0;

 private:
  int last_step_ = -1;
};

// Sampler names for the command line and the GUI: pndm, ddim, lms, euler, euler_a,
// dpmpp_2m, dpmpp_2m_karras, ddpm.
std::vector<std::string> scheduler_names();

// Builds the sampler `cli_name` from a model's scheduler config, like diffusers'
// `XScheduler.from_config(pipe.scheduler.config)`: the model's betas, prediction type,
// steps_offset, ... carry over; fields the model config lacks take the sampler's own
// defaults. "default" or "" builds the config's own "_class_name". Unknown names throw
// mrti::Error listing the valid ones; bad fields throw naming the field and `source`.
std::unique_ptr<Scheduler> make_scheduler(const std::string& cli_name, const nlohmann::json& model_scheduler_config,
                                          const std::string& source = "scheduler_config.json");
// Builds config.class_name with exactly these settings.
std::unique_ptr<Scheduler> make_scheduler(const SchedulerConfig& config);

// The AUTOMATIC1111-style sampler name: "PNDM", "DDIM", "LMS", "Euler", "Euler a",
// "DPM++ 2M", "DPM++ 2M Karras", "DDPM" ...
std::string scheduler_display_name(const Scheduler& scheduler);
// The scheduler_names() entry that builds this sampler, or "" when none does.
std::string scheduler_cli_name(const Scheduler& scheduler);

}  // namespace mrti
