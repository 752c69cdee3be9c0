#include "training/autoencoder_kl_trainer.h"

#include <filesystem>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "imaging/grid.h"
#include "imaging/tensor_image.h"
#include "models/standard_configs.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"

namespace fs = std::filesystem;

namespace mrti {
namespace {
constexpr int64_t kPreviewImages = 8;
constexpr int64_t kScalingSamples = 1024;  // pictures the latent scale is measured on
}  // namespace

AutoencoderKLTrainer::AutoencoderKLTrainer(ModelTrainingSettings settings, std::shared_ptr<const TrainingDataset> data)
    : ModelTrainer(std::move(settings)), data_(std::move(data)) {
  if (!data_ || data_->size() == 0) throw Error("VAE training needs pictures");
  config_json_ = standard_configs(settings_.arch).vae;
  config_json_["sample_size"] = settings_.resolution;
  const auto config = AutoencoderKLConfig::from_json(config_json_, settings_.arch + " VAE config");
  if (settings_.resolution % config.downscale_factor())
    throw Error("the resolution must be a multiple of the VAE's factor " + std::to_string(config.downscale_factor()));
  torch::manual_seed(static_cast<uint64_t>(settings_.seed));  // the initial weights
  vae_ = AutoencoderKL(config);
  set_trained_modules({{"vae", vae_.ptr()}});
}

at::Tensor AutoencoderKLTrainer::batch_loss(std::vector<double>& parts) {
  // The whole batch's draws, then this rank's part of them.
  const int64_t B = settings_.batch_size;
  const auto [begin, end] = shard();
  const at::Tensor index = torch::randint(0, int64_t(data_->size()), {B}, generator_, torch::kLong);
  const at::Tensor flips = torch::rand({B}, generator_, torch::kDouble);
  std::vector<at::Tensor> pixels;
  for (int64_t b = begin; b < end; ++b)
    pixels.push_back(data_->pixels(std::size_t(index[b].item<int64_t>()), flips[b].item<double>() < 0.5));
  const at::Tensor x = torch::stack(pixels);
  const auto posterior = vae_->encode(x);
  std::vector<int64_t> shape = posterior.mean.sizes().vec();
  shape[0] = B;
  const at::Tensor z =
      posterior.sample_with_noise(torch::randn(shape, generator_, torch::kFloat).slice(0, begin, end));
  const at::Tensor recon = vae_->decode(z);
  const at::Tensor rec = (recon - x).abs().mean();
  const at::Tensor kl = 0.5 * (posterior.mean.pow(2) + posterior.var - 1 - posterior.logvar).mean();
  parts = {rec.item<double>(), kl.item<double>()};
  return rec + settings_.kl_weight * kl;
}

AutoencoderKL AutoencoderKLTrainer::averaged_vae() const {
  AutoencoderKL out(vae_->config());
  copy_average_to(0, *out);
  out->eval();
  return out;
}

void AutoencoderKLTrainer::write_output(const std::string& dir) const {
  torch::NoGradGuard no_grad;
  AutoencoderKL vae = averaged_vae();
  // The scale that makes the latents unit-variance, measured as Stable Diffusion's
  // 0.18215 was: one over the standard deviation of sampled latents.
  const int64_t n = std::min<int64_t>(kScalingSamples, int64_t(data_->size()));
  std::vector<at::Tensor> latents;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(settings_.seed) + 1);
  for (int64_t start = 0; start < n; start += 64) {
    std::vector<at::Tensor> pixels;
    for (int64_t i = start; i < std::min(n, start + 64); ++i) pixels.push_back(data_->pixels(std::size_t(i), false));
    const auto posterior = vae->encode(torch::stack(pixels));
    latents.push_back(posterior.sample_with_noise(torch::randn(posterior.mean.sizes(), gen, torch::kFloat)));
  }
  const double std = torch::cat(latents).std().item<double>();
  nlohmann::json config = config_json_;
  config["scaling_factor"] = std > 0 ? 1.0 / std : 1.0;
  config["_diffusers_version"] = "0.25.1";
  fs::create_directories(dir);
  write_file_atomically(dir + "/config.json", config.dump(2) + "\n");
  save_safetensors(dir + "/diffusion_pytorch_model.safetensors", module_weights(*vae, save_dtype_of(settings_.save_dtype)),
                   {{"format", "pt"}});
}

Image AutoencoderKLTrainer::preview() const {
  torch::NoGradGuard no_grad;
  AutoencoderKL vae = averaged_vae();
  std::vector<at::Tensor> pixels;
  for (int64_t i = 0; i < std::min<int64_t>(kPreviewImages, int64_t(data_->size())); ++i)
    pixels.push_back(data_->pixels(std::size_t(i), false));
  const at::Tensor x = torch::stack(pixels);
  const at::Tensor recon = vae->decode(vae->encode(x).mean);
  // Originals in the first row, reconstructions in the second.
  const at::Tensor both = (torch::cat({x, recon}) / 2 + 0.5).clamp(0, 1);
  return make_grid(tensor_to_images(both), int(x.size(0)), 2, {255, 255, 255});
}

}  // namespace mrti
