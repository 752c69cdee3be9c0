#pragma once
// The settings of a diffusers scheduler, read from its scheduler_config.json.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mrti {

// One struct for every scheduler class: each class reads the fields it knows. Defaults
// are those of the diffusers 0.25.1 constructor of `class_name` (see defaults()); they
// differ between classes, e.g. timestep_spacing is "leading" for DDPM/DDIM/PNDM and
// "linspace" for the sigma-based samplers, set_alpha_to_one is true only for DDIM.
struct SchedulerConfig {
  std::string class_name;  // "DDIMScheduler", "EulerDiscreteScheduler", ...

  int num_train_timesteps = 1000;
  double beta_start = 0.0001;
  double beta_end = 0.02;
  std::string beta_schedule = "linear";  // linear | scaled_linear | squaredcos_cap_v2 (| sigmoid: DDPM)
  std::optional<std::vector<double>> trained_betas;
  std::string prediction_type = "epsilon";  // epsilon | v_prediction | sample
  int steps_offset = 0;
  std::string timestep_spacing = "leading";  // leading | trailing | linspace
  bool rescale_betas_zero_snr = false;
  bool thresholding = false;  // refused: dynamic thresholding is for pixel-space models
  double dynamic_thresholding_ratio = 0.995;
  double sample_max_value = 1.0;

  // DDPM, DDIM
  bool clip_sample = true;
  double clip_sample_range = 1.0;
  // DDPM: fixed_small | fixed_small_log | fixed_large. DPMSolver: "" (None) only.
  std::string variance_type = "fixed_small";
  // DDIM, PNDM
  bool set_alpha_to_one = true;
  // PNDM
  bool skip_prk_steps = false;
  // Euler, LMS, DPMSolver
  bool use_karras_sigmas = false;
  // Euler
  std::string interpolation_type = "linear";  // linear | log_linear
  std::string timestep_type = "discrete";     // discrete | continuous
  std::optional<double> sigma_min;
  std::optional<double> sigma_max;
  // DPMSolverMultistep
  int solver_order = 2;
  std::string algorithm_type = "dpmsolver++";  // dpmsolver++ | dpmsolver | sde-dpmsolver++ | sde-dpmsolver
  std::string solver_type = "midpoint";        // midpoint | heun
  bool lower_order_final = true;
  bool euler_at_final = false;
  bool use_lu_lambdas = false;
  double lambda_min_clipped = -std::numeric_limits<double>::infinity();

  // The constructor defaults of a diffusers class; mrti::Error for a class we do not have.
  static SchedulerConfig defaults(const std::string& class_name);

  // Like diffusers' `Class.from_config(config)`: every known field present in `config`
  // overrides the class default (a null value keeps the default); keys starting with "_"
  // and unknown keys are ignored, as are the keys listed in `_use_default_values`. A field
  // of the wrong type, or a value no scheduler supports, throws mrti::Error naming the
  // field and `source` (the file it came from).
  static SchedulerConfig from_json(const std::string& class_name, const nlohmann::json& config,
                                   const std::string& source = "scheduler_config.json");

  // The effective values, under their diffusers keys.
  nlohmann::json to_json() const;
};

// Throws mrti::Error, naming `source`, for values the class cannot run with (an unknown
// timestep_spacing, thresholding=true, trained_betas of the wrong length ...).
void validate_scheduler_config(const SchedulerConfig& config, const std::string& source);

// Parses a scheduler_config.json. Python's json module writes -Infinity, Infinity and
// NaN (e.g. DPMSolver's lambda_min_clipped); they are read as the strings "-Infinity",
// "Infinity" and "NaN", which the number fields accept. mrti::Error names the file.
nlohmann::json read_scheduler_config(const std::string& path);
nlohmann::json parse_scheduler_config(const std::string& text, const std::string& source);

}  // namespace mrti
