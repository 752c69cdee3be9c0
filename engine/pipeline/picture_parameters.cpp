#include "pipeline/picture_parameters.h"

#include <cstdio>
#include <filesystem>

#include "models/stable_diffusion.h"
#include "runtime/bfloat16_math.h"
#include "runtime/device.h"
#include "schedulers/scheduler.h"

namespace mrti {

std::string model_name_of(const std::string& path) {
  const std::filesystem::path p(path);
  std::string name = p.filename().string();
  if (name.empty()) name = p.parent_path().filename().string();  // "folder/"
  return name;
}

GenerationParameters picture_parameters(const StableDiffusionModel& model, const std::string& model_path,
                                        const SamplingParameters& request) {
  GenerationParameters p;
  p.prompt = request.prompt;
  p.negative_prompt = request.negative_prompt;
  p.steps = request.steps;
  p.cfg_scale = request.guidance;
  p.width = request.width;
  p.height = request.height;
  p.model = model_name_of(model_path);
  p.sampler = scheduler_display_name(*make_scheduler(request.sampler, model.scheduler_config));
  p.extra["Device"] = model.device.str();
  p.extra["Dtype"] = dtype_name(model.dtype);
  const auto arithmetic = compute_dtype(model.device, model.dtype);
  if (arithmetic != model.dtype) p.extra["Arithmetic"] = dtype_name(arithmetic);  // bf16 weights, fp32 math
  if (model.int8_layers > 0) p.extra["Int8 weights"] = "UNet linear layers";
  if (request.deep_cache_interval > 1) p.extra["DeepCache"] = std::to_string(request.deep_cache_interval);
  if (request.token_merge_ratio > 0) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%g", request.token_merge_ratio);
    p.extra["Token merging ratio"] = ratio;
  }
  return p;
}

}  // namespace mrti
