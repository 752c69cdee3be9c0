#pragma once
// Text to image with classifier-free guidance, as diffusers' StableDiffusionPipeline.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "imaging/image.h"
#include "pipeline/conditioning.h"
#include "pipeline/sampling_parameters.h"
#include "runtime/cancellation.h"

namespace mrti {

struct StableDiffusionModel;

struct TextToImageRequest : SamplingParameters {
  // Unscaled N(0,1) initial latents [batch, 4, h/8, w/8]; replaces the seeded noise.
  at::Tensor initial_latents;
  bool decode_vae_in_float32 = false;
  // Pictures larger than the model's own size are decoded in blended tiles of that size
  // (AutoencoderKL::set_tiling): the VAE's memory stays that of one tile.
  bool decode_vae_in_tiles = false;
};

struct StepEvent {
  int step = 0;           // 1-based, of `total`
  int total = 0;
  double timestep = 0;
  at::Tensor latents;     // the latents after this step (scheduler space, float32)
  std::vector<Image> previews;  // one per image when requested
};

struct TextToImageResult {
  std::vector<Image> images;
  at::Tensor images_tensor;    // [B, H, W, 3] float32 in [0, 1] on the CPU
  at::Tensor initial_latents;  // unscaled [B, 4, h, w]
  at::Tensor final_latents;    // before the VAE, float32 on the CPU
  at::Tensor timesteps;        // as the scheduler produced them
  std::vector<int64_t> seeds;  // per image
  std::string sampler;         // command-line name actually used
};

using StepCallback = std::function<void(const StepEvent&)>;

// Checks a request before any work: size, steps, batch, guidance, sampler name.
void validate_request(const TextToImageRequest& request);

// The per-image noise of a seed: torch.randn([1, 4, h, w]) from a CPU generator seeded
// with `seed` (the same numbers PyTorch draws), so a seed gives the same picture on any
// device.
at::Tensor seeded_noise(int64_t seed, int64_t latent_height, int64_t latent_width, int64_t channels = 4);

// The sampling loop, given encoder states for the prompt and the negative prompt (each
// [1, T, D] per timestep). Checks the request (validate_request) first: every pipeline
// samples through here. Throws mrti::Cancelled when `cancel` is set between steps.
TextToImageResult sample(StableDiffusionModel& model, const TextToImageRequest& request,
                         Conditioning& positive, Conditioning& negative, const StepCallback& on_step = {},
                         const CancellationToken* cancel = nullptr);

// Plain prompts: encodes both prompts once, then sample().
TextToImageResult text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                const StepCallback& on_step = {}, const CancellationToken* cancel = nullptr);

// Decodes latents [B, 4, h, w] to images [B, H, W, 3] float32 in [0, 1] on the CPU.
at::Tensor decode_latents(StableDiffusionModel& model, const at::Tensor& latents, bool float32_vae = false,
                          bool tiled = false);

}  // namespace mrti
