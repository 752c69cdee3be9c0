#pragma once
// channels_last weights and activations: oneDNN's CPU convolutions (and cuDNN's tensor
// cores) run fastest on NHWC, and bfloat16 on the CPU only pays off with it.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace torch::nn {
class Module;
}

namespace mrti {

struct StableDiffusionModel;

// Re-lays every 4-D parameter of `module` as channels_last (values unchanged).
void convert_to_channels_last(torch::nn::Module& module);

// The UNet and VAE of `model`, for inference; the sampling loop then feeds them NHWC latents.
void use_channels_last(StableDiffusionModel& model);

// Whether NHWC pays off for inference on `device` in `dtype`: bfloat16 on the CPU (oneDNN's
// bf16 convolutions, ~1.3x for the UNet step), half precision on CUDA (cuDNN's tensor-core
// convolutions work in NHWC and transpose NCHW input around each one).
bool channels_last_pays_off(const c10::Device& device, c10::ScalarType dtype);

// use_channels_last where channels_last_pays_off for the model's device and precision, as
// every loader for inference does; returns whether the model is now channels_last.
bool use_preferred_memory_format(StableDiffusionModel& model);

// Whether the model's UNet weights are channels_last.
bool uses_channels_last(const StableDiffusionModel& model);

}  // namespace mrti
