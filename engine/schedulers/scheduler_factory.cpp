// make_scheduler, scheduler_names and the display names declared in scheduler.h.
#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "schedulers/ddim_scheduler.h"
#include "schedulers/ddpm_scheduler.h"
#include "schedulers/dpm_solver_multistep_scheduler.h"
#include "schedulers/euler_ancestral_discrete_scheduler.h"
#include "schedulers/euler_discrete_scheduler.h"
#include "schedulers/lms_discrete_scheduler.h"
#include "schedulers/pndm_scheduler.h"
#include "schedulers/scheduler.h"

namespace mrti {
namespace {

struct Sampler {
  const char* cli_name;
  const char* class_name;
};

const Sampler kSamplers[] = {
    {"pndm", "PNDMScheduler"},
    {"ddim", "DDIMScheduler"},
    {"lms", "LMSDiscreteScheduler"},
    {"euler", "EulerDiscreteScheduler"},
    {"euler_a", "EulerAncestralDiscreteScheduler"},
    {"dpmpp_2m", "DPMSolverMultistepScheduler"},
    {"dpmpp_2m_karras", "DPMSolverMultistepScheduler"},
    {"ddpm", "DDPMScheduler"},
};

std::string names_list() {
  std::string list;
  for (const auto& s : kSamplers) list += std::string(list.empty() ? "" : ", ") + s.cli_name;
  return list + ", default";
}

}  // namespace

std::vector<std::string> scheduler_names() {
  std::vector<std::string> names;
  for (const auto& s : kSamplers) names.emplace_back(s.cli_name);
  return names;
}

std::unique_ptr<Scheduler> make_scheduler(const SchedulerConfig& config) {
  const std::string& c = config.class_name;
  if (c == "DDPMScheduler") return std::make_unique<DDPMScheduler>(config);
  if (c == "DDIMScheduler") return std::make_unique<DDIMScheduler>(config);
  if (c == "PNDMScheduler") return std::make_unique<PNDMScheduler>(config);
  if (c == "LMSDiscreteScheduler") return std::make_unique<LMSDiscreteScheduler>(config);
  if (c == "EulerDiscreteScheduler") return std::make_unique<EulerDiscreteScheduler>(config);
  if (c == "EulerAncestralDiscreteScheduler") return std::make_unique<EulerAncestralDiscreteScheduler>(config);
  if (c == "DPMSolverMultistepScheduler") return std::make_unique<DPMSolverMultistepScheduler>(config);
  throw Error("scheduler class \"" + c + "\" is not supported; choose a sampler by name: " + names_list());
}

std::unique_ptr<Scheduler> make_scheduler(const std::string& cli_name, const nlohmann::json& model_config,
                                          const std::string& source) {
  if (!model_config.is_object()) throw Error(source + ": a scheduler config must be a JSON object");
  std::string class_name;
  if (cli_name.empty() || cli_name == "default") {
    auto it = model_config.find("_class_name");
    if (it == model_config.end() || !it->is_string())
      throw Error(source + ": no \"_class_name\" to take the default sampler from; choose one of: " + names_list());
    class_name = it->get<std::string>();
    bool known = false;
    for (const auto& s : kSamplers) known = known || class_name == s.class_name;
    if (!known)
      throw Error(source + ": the model's scheduler \"" + class_name + "\" is not supported; choose one of: " +
                  names_list());
  } else {
    for (const auto& s : kSamplers)
      if (cli_name == s.cli_name) class_name = s.class_name;
    if (class_name.empty()) throw Error("unknown sampler \"" + cli_name + "\"; valid names: " + names_list());
  }

  SchedulerConfig config = SchedulerConfig::from_json(class_name, model_config, source);
  // The DPM++ 2M names fix the solver; everything else follows the config.
  if (cli_name == "dpmpp_2m" || cli_name == "dpmpp_2m_karras") {
    config.algorithm_type = "dpmsolver++";
    config.solver_order = 2;
    config.use_karras_sigmas = cli_name == "dpmpp_2m_karras";
    config.use_lu_lambdas = false;
  }
  try {
    return make_scheduler(config);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

std::string scheduler_display_name(const Scheduler& s) {
  const SchedulerConfig& c = s.config();
  const std::string karras = c.use_karras_sigmas ? " Karras" : "";
  const std::string n = s.name();
  if (n == "PNDMScheduler") return "PNDM";
  if (n == "DDIMScheduler") return "DDIM";
  if (n == "DDPMScheduler") return "DDPM";
  if (n == "LMSDiscreteScheduler") return "LMS" + karras;
  if (n == "EulerDiscreteScheduler") return "Euler" + karras;
  if (n == "EulerAncestralDiscreteScheduler") return "Euler a";
  if (n == "DPMSolverMultistepScheduler") {
    const bool plus = c.algorithm_type == "dpmsolver++" || c.algorithm_type == "sde-dpmsolver++";
    const bool sde = c.algorithm_type.rfind("sde-", 0) == 0;
    return std::string(plus ? "DPM++ " : "DPM ") + std::to_string(c.solver_order) + "M" + (sde ? " SDE" : "") + karras;
  }
  return n;
}

std::string scheduler_cli_name(const Scheduler& s) {
  const SchedulerConfig& c = s.config();
  const std::string n = s.name();
  if (n == "DPMSolverMultistepScheduler") {
    if (c.algorithm_type != "dpmsolver++" || c.solver_order != 2 || c.use_lu_lambdas) return "";
    return c.use_karras_sigmas ? "dpmpp_2m_karras" : "dpmpp_2m";
  }
  for (const auto& sampler : kSamplers)
    if (n == sampler.class_name) return sampler.cli_name;
  return "";
}

}  // namespace mrti
