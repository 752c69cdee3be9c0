#include "pipeline/memory_format.h"

#include <torch/torch.h>

#include "models/stable_diffusion.h"

namespace mrti {

void convert_to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters(true))
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

void use_channels_last(StableDiffusionModel& model) {
  convert_to_channels_last(*model.unet);
  convert_to_channels_last(*model.vae);
}

bool uses_channels_last(const StableDiffusionModel& model) {
  for (const auto& p : model.unet->parameters(true))
    if (p.dim() == 4) return p.is_contiguous(at::MemoryFormat::ChannelsLast) && !p.is_contiguous();
  return false;
}

}  // namespace mrti
