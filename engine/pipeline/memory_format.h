#pragma once
// channels_last weights and activations: oneDNN's CPU convolutions (and cuDNN's tensor
// cores) run fastest on NHWC, and bfloat16 on the CPU only pays off with it.
namespace torch::nn {
class Module;
}

namespace mrti {

struct StableDiffusionModel;

// Re-lays every 4-D parameter of `module` as channels_last (values unchanged).
void convert_to_channels_last(torch::nn::Module& module);

// The UNet and VAE of `model`, for inference; the sampling loop then feeds them NHWC latents.
void use_channels_last(StableDiffusionModel& model);

// Whether the model's UNet weights are channels_last.
bool uses_channels_last(const StableDiffusionModel& model);

}  // namespace mrti
