#include "pipeline/memory_format.h"

#include <torch/torch.h>

#include "models/stable_diffusion.h"
#include "runtime/bfloat16_math.h"

namespace mrti {

void convert_to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters(true))
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

void use_channels_last(StableDiffusionModel& model) {
  if (model.unet_graph) model.unet_graph->reset();  // it holds the old weights' addresses
  convert_to_channels_last(*model.unet);
  convert_to_channels_last(*model.vae);
}

bool channels_last_pays_off(const c10::Device& device, c10::ScalarType dtype) {
  if (device.is_cpu()) return dtype == c10::kBFloat16;
  return device.is_cuda() && (dtype == c10::kHalf || dtype == c10::kBFloat16);
}

bool use_preferred_memory_format(StableDiffusionModel& model) {
  if (channels_last_pays_off(model.device, compute_dtype(model.device, model.dtype))) use_channels_last(model);
  return uses_channels_last(model);
}

bool uses_channels_last(const StableDiffusionModel& model) {
  for (const auto& p : model.unet->parameters(true))
    if (p.dim() == 4) return p.is_contiguous(at::MemoryFormat::ChannelsLast) && !p.is_contiguous();
  return false;
}

}  // namespace mrti
