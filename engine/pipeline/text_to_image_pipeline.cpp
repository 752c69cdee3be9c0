#include "pipeline/text_to_image_pipeline.h"


#include <torch/torch.h>

#include "models/layer_forward.h"
#include "models/stable_diffusion.h"
#include "pipeline/latent_preview.h"
#include "pipeline/memory_format.h"
#include "pipeline/prompt_encoding.h"
#include "imaging/tensor_image.h"
#include "runtime/error.h"
#include "runtime/random_seed.h"
#include "schedulers/scheduler.h"

namespace mrti {

void validate_request(const TextToImageRequest& r) {
  if (r.width <= 0 || r.height <= 0 || r.width % 8 || r.height % 8)
    throw Error("image size " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                " is not allowed: width and height must be positive multiples of 8");
  if (r.width > 4096 || r.height > 4096) throw Error("image size is limited to 4096x4096");
  if (r.steps < 1) throw Error("steps must be at least 1 (got " + std::to_string(r.steps) + ")");
  if (r.steps > 1000) throw Error("steps must be at most 1000 (got " + std::to_string(r.steps) + ")");
  if (r.batch < 1 || r.batch > 256)
    throw Error("batch size must be between 1 and 256 (got " + std::to_string(r.batch) + ")");
  if (!(r.guidance >= 0 && r.guidance <= 100)) throw Error("guidance scale must be between 0 and 100");
  if (r.eta < 0 || r.eta > 1) throw Error("eta must be between 0 and 1");
  if (r.deep_cache_interval < 1 || r.deep_cache_interval > 1000)
    throw Error("the DeepCache interval must be between 1 (off) and 1000 (got " + std::to_string(r.deep_cache_interval) +
                ")");
  if (!(r.token_merge_ratio >= 0 && r.token_merge_ratio <= 0.75))
    throw Error("the token merging ratio must be between 0 (off) and 0.75");
  if (r.initial_latents.defined()) {
    const auto& l = r.initial_latents;
    // Their height and width are checked against the model's VAE factor in sample().
    if (l.dim() != 4 || l.size(0) != r.batch)
      throw Error("initial latents have shape " + c10::str(l.sizes()) + " but this request needs [" +
                  std::to_string(r.batch) + ", C, h, w]");
  }
}

at::Tensor seeded_noise(int64_t seed, int64_t latent_height, int64_t latent_width, int64_t channels) {
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
  return at::randn({1, channels, latent_height, latent_width}, gen, at::TensorOptions().dtype(at::kFloat));
}


at::Tensor decode_latents(StableDiffusionModel& model, const at::Tensor& latents, bool float32_vae, bool tiled) {
  torch::NoGradGuard no_grad;
  auto vae_dtype = compute_dtype_of(*model.vae);
  if (float32_vae && vae_dtype != at::kFloat) {
    model.vae->to(at::kFloat);
    vae_dtype = at::kFloat;
  }
  const double scaling = model.vae->config().scaling_factor;
  auto z = (latents.to(model.device, at::kFloat) / scaling).to(vae_dtype);
  if (uses_channels_last(model)) z = z.contiguous(at::MemoryFormat::ChannelsLast);
  const bool tiling_before = model.vae->tiling();
  model.vae->set_tiling(tiled);
  at::Tensor image;
  try {
    image = model.vae->decode(z).to(at::kFloat);
    if (vae_dtype == at::kHalf && !torch::isfinite(image).all().item<bool>()) {
      // SD's VAE overflows float16 on some latents (SDXL's on most): decode again in float32,
      // as diffusers' upcast_vae, and keep the VAE there for this model's next pictures.
      model.vae->to(at::kFloat);
      image = model.vae->decode(z.to(at::kFloat)).to(at::kFloat);
    }
  } catch (...) {
    model.vae->set_tiling(tiling_before);
    throw;
  }
  model.vae->set_tiling(tiling_before);
  // clamp() keeps NaN, which would become an all-black picture saved as if it were one.
  if (!torch::isfinite(image).all().item<bool>())
    throw Error("the VAE produced NaN or infinite values: its weights are damaged, or this precision overflows "
                "(decode the VAE in float32)");
  image = (image / 2 + 0.5).clamp(0, 1);
  return image.permute({0, 2, 3, 1}).contiguous().to(at::kCPU);
}

TextToImageResult sample(StableDiffusionModel& model, const TextToImageRequest& request, Conditioning& positive,
                         Conditioning& negative, const StepCallback& on_step, const CancellationToken* cancel) {
  validate_request(request);
  torch::NoGradGuard no_grad;
  const auto device = model.device;
  const auto unet_dtype = compute_dtype_of(*model.unet);
  const int64_t B = request.batch;
  const int64_t latent_c = model.unet->config().in_channels;
  // Latent pixels per image pixel: 8 for SD's VAE, other factors for other VAEs.
  const int64_t factor = model.vae ? model.vae->config().downscale_factor() : 8;
  if (request.width % factor || request.height % factor)
    throw Error("image size " + std::to_string(request.width) + "x" + std::to_string(request.height) +
                " is not a multiple of this model's VAE factor " + std::to_string(factor));
  const int64_t lh = request.height / factor, lw = request.width / factor;
  if (request.initial_latents.defined() &&
      (request.initial_latents.size(2) != lh || request.initial_latents.size(3) != lw))
    throw Error("initial latents have shape " + c10::str(request.initial_latents.sizes()) +
                " but this request needs [" + std::to_string(B) + ", C, " + std::to_string(lh) + ", " +
                std::to_string(lw) + "]");

  // 1. timesteps
  auto scheduler = make_scheduler(request.sampler, model.scheduler_config);
  if (request.eta > 0) scheduler->set_eta(request.eta);
  scheduler->set_timesteps(request.steps);
  const at::Tensor timesteps = scheduler->timesteps();

  TextToImageResult result;
  result.sampler = scheduler_cli_name(*scheduler);
  result.timesteps = timesteps;

  // 2. initial latents. Per-image CPU generators: initial noise first, then any noise the
  // sampler draws.
  const int64_t base_seed = request.seed >= 0 ? request.seed : random_seed();
  std::vector<at::Generator> generators;
  std::vector<at::Tensor> noise;
  for (int64_t i = 0; i < B; ++i) {
    result.seeds.push_back(base_seed + i);
    generators.push_back(at::detail::createCPUGenerator(static_cast<uint64_t>(base_seed + i)));
    noise.push_back(at::randn({1, latent_c, lh, lw}, generators.back(), at::TensorOptions().dtype(at::kFloat)));
  }
  at::Tensor initial = request.initial_latents.defined() ? request.initial_latents.to(at::kCPU, at::kFloat)
                                                         : at::cat(noise, 0);
  if (initial.size(1) != latent_c)
    throw Error("initial latents have " + std::to_string(initial.size(1)) + " channels, the model's UNet takes " +
                std::to_string(latent_c));
  result.initial_latents = initial;

  NoiseFn step_noise = [&](const at::Tensor& like) {
    std::vector<at::Tensor> parts;
    auto shape = like.sizes().vec();
    shape[0] = 1;
    for (auto& g : generators) parts.push_back(at::randn(shape, g, at::TensorOptions().dtype(at::kFloat)));
    at::Tensor host = at::cat(parts, 0);
    // From pinned memory the copy to the GPU is asynchronous: the host does not wait for the
    // steps already queued.
    if (like.is_cuda()) return host.pin_memory().to(like.device(), like.scalar_type(), /*non_blocking=*/true);
    return host.to(like.device(), like.scalar_type());
  };

  // 3. denoising loop. Scheduler arithmetic stays in float32 whatever the UNet's precision.
  at::Tensor latents = (initial * scheduler->init_noise_sigma()).to(device);
  const bool cfg = request.guidance > 1.0;
  const auto unet_format = uses_channels_last(model) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const int total = static_cast<int>(timesteps.size(0));
  UNetShortcuts shortcuts;
  shortcuts.deep_cache_interval = request.deep_cache_interval;
  shortcuts.token_merge_ratio = request.token_merge_ratio;
  // The shortcuts change the UNet's work from step to step: no fixed graph for them.
  const bool graphed = model.unet_graph && request.deep_cache_interval <= 1 && request.token_merge_ratio <= 0;
  // On the device once: a per-step copy from pageable host memory would make the host wait
  // for every step queued before it.
  const at::Tensor device_timesteps = timesteps.to(device);

  for (int i = 0; i < total; ++i) {
    check_cancelled(cancel);
    const double t = timesteps[i].item<double>();
    at::Tensor cond = positive.at_timestep(t).to(device, unet_dtype);
    at::Tensor states = cond.expand({B, cond.size(1), cond.size(2)});
    at::Tensor model_in = scheduler->scale_model_input(latents, i);
    if (cfg) {
      at::Tensor uncond = negative.at_timestep(t).to(device, unet_dtype);
      states = at::cat({uncond.expand({B, uncond.size(1), uncond.size(2)}), states}, 0);
      model_in = at::cat({model_in, model_in}, 0);
    }
    const at::Tensor t_tensor = device_timesteps[i];
    model_in = model_in.to(unet_dtype).contiguous(unet_format);
    at::Tensor out = (graphed ? model.unet_graph->forward(model.unet, model_in, t_tensor, states)
                              : model.unet->forward(model_in, t_tensor, states, &shortcuts))
                         .to(at::kFloat);
    if (cfg) {
      auto halves = out.chunk(2, 0);
      out = halves[0] + request.guidance * (halves[1] - halves[0]);
    }
    latents = scheduler->step(out, i, latents, step_noise);
    if (on_step) {
      StepEvent ev;
      ev.step = i + 1;
      ev.total = total;
      ev.timestep = t;
      ev.latents = latents;
      if (request.previews) ev.previews = latent_previews(latents);
      on_step(ev);
    }
  }
  // 4. decode
  check_cancelled(cancel);
  if (!torch::isfinite(latents).all().item<bool>())
    throw Error("the UNet produced NaN or infinite values: its weights are damaged, or this precision overflows "
                "(try float32)");
  result.final_latents = latents.to(at::kCPU);
  result.images_tensor = decode_latents(model, latents, request.decode_vae_in_float32, request.decode_vae_in_tiles);
  result.images = tensor_to_images(result.images_tensor);
  return result;
}

TextToImageResult text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                const StepCallback& on_step, const CancellationToken* cancel) {
  ConstantConditioning positive(encode_prompt(model, request.prompt).states);
  ConstantConditioning negative(encode_prompt(model, request.negative_prompt).states);
  return sample(model, request, positive, negative, on_step, cancel);
}

}  // namespace mrti
