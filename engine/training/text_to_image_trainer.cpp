#include "training/text_to_image_trainer.h"

#include <filesystem>

#include <torch/torch.h>

#include "imaging/grid.h"
#include "models/stable_diffusion.h"
#include "models/standard_configs.h"
#include "pipeline/text_to_image_pipeline.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"

namespace fs = std::filesystem;

namespace mrti {
namespace {

constexpr int64_t kCacheBatch = 64;
constexpr int64_t kPreviewSeed = 1234;

at::Tensor caption_ids(const ClipTokenizer& tokenizer, const std::string& caption) {
  return torch::tensor(tokenizer.encode(caption).ids, torch::kLong);
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  write_file_atomically(path.string(), j.dump(2) + "\n");
}

}  // namespace

nlohmann::json demo_generation_defaults(int resolution) {
  return {{"width", resolution}, {"height", resolution}, {"steps", 20}, {"guidance", 4.0}};
}

TextToImageTrainer::TextToImageTrainer(ModelTrainingSettings settings, std::shared_ptr<const TrainingDataset> data,
                                       const std::string& vae_dir, const std::string& tokenizer_dir,
                                       const std::function<void(int64_t, int64_t)>& progress)
    : ModelTrainer(std::move(settings)), data_(std::move(data)), vae_dir_(vae_dir), tokenizer_dir_(tokenizer_dir) {
  if (!data_ || data_->size() == 0) throw Error("UNet training needs captioned pictures");
  const auto configs = standard_configs(settings_.arch);
  unet_json_ = configs.unet;
  text_json_ = configs.text_encoder;
  scheduler_json_ = configs.scheduler;
  tokenizer_ = std::make_shared<ClipTokenizer>(tokenizer_dir_);
  vae_ = load_vae(vae_dir_);
  vae_->eval();
  for (auto& p : vae_->parameters()) p.set_requires_grad(false);
  scaling_factor_ = vae_->config().scaling_factor;
  const int64_t factor = vae_->config().downscale_factor();
  if (settings_.resolution % factor)
    throw Error("the resolution must be a multiple of the VAE's factor " + std::to_string(factor));
  unet_json_["sample_size"] = settings_.resolution / factor;
  unet_json_["in_channels"] = unet_json_["out_channels"] = vae_->config().latent_channels;
  text_json_["vocab_size"] = tokenizer_->size();
  torch::manual_seed(static_cast<uint64_t>(settings_.seed));  // the initial weights
  text_encoder_ = ClipTextModel(ClipTextConfig::from_json(text_json_, settings_.arch + " text encoder config"));
  unet_ = UNet2DConditionModel(UNet2DConditionConfig::from_json(unet_json_, settings_.arch + " UNet config"));
  if (unet_->config().cross_attention_dim.front() != text_encoder_->config().hidden_size)
    throw Error("the UNet's cross-attention width differs from the text encoder's");
  noise_scheduler_ = make_scheduler("ddpm", scheduler_json_);
  T_ = scheduler_json_.value("num_train_timesteps", int64_t(1000));
  const std::string prediction = scheduler_json_.value("prediction_type", std::string("epsilon"));
  if (prediction != "epsilon" && prediction != "v_prediction")
    throw Error("UNet training supports epsilon and v_prediction, not prediction_type '" + prediction + "'");
  v_prediction_ = prediction == "v_prediction";

  // The caches: every picture's posterior and every caption's ids, once.
  torch::NoGradGuard no_grad;
  const int64_t M = int64_t(data_->size());
  std::vector<at::Tensor> means, stds, ids;
  for (int64_t start = 0; start < M; start += kCacheBatch) {
    std::vector<at::Tensor> pixels;
    for (int64_t i = start; i < std::min(M, start + kCacheBatch); ++i) {
      const auto& item = data_->item(std::size_t(i));
      if (item.caption.empty())
        throw Error("'" + item.path + "' has no caption: every picture needs a .txt caption beside it");
      pixels.push_back(data_->pixels(std::size_t(i), false));
      ids.push_back(caption_ids(*tokenizer_, item.caption));
    }
    const auto posterior = vae_->encode(torch::stack(pixels));
    means.push_back(posterior.mean.clone());
    stds.push_back(posterior.std.clone());
    if (progress) progress(std::min(M, start + kCacheBatch), M);
  }
  latent_mean_ = torch::cat(means);
  latent_std_ = torch::cat(stds);
  ids_ = torch::stack(ids);
  empty_ids_ = caption_ids(*tokenizer_, "");
  set_trained_modules({{"unet", unet_.ptr()}, {"text_encoder", text_encoder_.ptr()}});
}

TextToImageTrainer::~TextToImageTrainer() = default;

at::Tensor TextToImageTrainer::batch_loss(std::vector<double>&) {
  // The whole batch's draws, then this rank's part of them.
  const int64_t B = settings_.batch_size;
  const auto [begin, end] = shard();
  const at::Tensor all_index = torch::randint(0, latent_mean_.size(0), {B}, generator_, torch::kLong);
  const at::Tensor t = torch::randint(0, T_, {B}, generator_, torch::kLong).slice(0, begin, end);
  const at::Tensor drop =
      (torch::rand({B}, generator_, torch::kDouble) < settings_.caption_dropout).slice(0, begin, end);
  std::vector<int64_t> shape = latent_mean_.sizes().vec();
  shape[0] = B;
  const at::Tensor sample_noise = torch::randn(shape, generator_, torch::kFloat).slice(0, begin, end);
  const at::Tensor noise = torch::randn(shape, generator_, torch::kFloat).slice(0, begin, end);
  const at::Tensor index = all_index.slice(0, begin, end);
  const at::Tensor mean = latent_mean_.index_select(0, index), std = latent_std_.index_select(0, index);
  const at::Tensor latents = (mean + std * sample_noise) * scaling_factor_;
  const at::Tensor noisy = noise_scheduler_->add_noise(latents, noise, t);
  const at::Tensor ids = torch::where(drop.unsqueeze(1), empty_ids_.unsqueeze(0), ids_.index_select(0, index));
  const at::Tensor states = text_encoder_->forward(ids).last_hidden_state;
  const at::Tensor pred = unet_->forward(noisy, t, states);
  const at::Tensor target = v_prediction_ ? noise_scheduler_->get_velocity(latents, noise, t) : noise;
  const at::Tensor per_sample = (pred - target).pow(2).mean({1, 2, 3});
  if (settings_.snr_gamma <= 0) return per_sample.mean();
  // Min-SNR-gamma: the epsilon loss weighted min(SNR, gamma) / SNR; the v loss already
  // carries SNR + 1, so min(SNR, gamma) / (SNR + 1).
  const at::Tensor a = noise_scheduler_->alphas_cumprod().index_select(0, t).to(torch::kFloat);
  const at::Tensor snr = a / (1 - a);
  const at::Tensor weight = torch::clamp_max(snr, settings_.snr_gamma) / (v_prediction_ ? snr + 1 : snr);
  return (per_sample * weight).mean();
}

StableDiffusionModel TextToImageTrainer::averaged_model() const {
  StableDiffusionModel m;
  m.tokenizer = tokenizer_;
  m.text_encoder = ClipTextModel(text_encoder_->config());
  m.unet = UNet2DConditionModel(unet_->config());
  copy_average_to(0, *m.unet);
  copy_average_to(1, *m.text_encoder);
  m.text_encoder->eval();
  m.unet->eval();
  m.vae = vae_;
  m.scheduler_config = scheduler_json_;
  m.source = "training";
  m.kind = "diffusers";
  return m;
}

std::vector<std::string> TextToImageTrainer::preview_captions() {
  return {"a red circle on a blue background",     "a big black square on a white background",
          "a small white triangle on a blue background", "a yellow star on a purple background",
          "a green square on a red background",    "a big orange circle on a black background",
          "a small blue star on a white background", "a purple triangle on a yellow background"};
}

Image TextToImageTrainer::preview() const {
  torch::NoGradGuard no_grad;
  StableDiffusionModel m = averaged_model();
  const nlohmann::json d = demo_generation_defaults(settings_.resolution);
  std::vector<Image> images;
  for (const auto& caption : preview_captions()) {
    TextToImageRequest request;
    request.prompt = caption;
    request.width = request.height = settings_.resolution;
    request.steps = d.value("steps", 20);
    request.guidance = d.value("guidance", 4.0);
    request.seed = kPreviewSeed;
    request.batch = 2;
    request.previews = false;
    for (auto& img : text_to_image(m, request).images) images.push_back(std::move(img));
  }
  return make_grid(images, 4, 2, {255, 255, 255});
}

void TextToImageTrainer::write_output(const std::string& dir) const {
  StableDiffusionModel m = averaged_model();
  const auto dtype = save_dtype_of(settings_.save_dtype);
  const fs::path out(dir);
  fs::create_directories(out);
  fs::create_directories(out / "tokenizer");
  for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path src = fs::path(tokenizer_dir_) / name;
    if (fs::exists(src)) fs::copy_file(src, out / "tokenizer" / name, fs::copy_options::overwrite_existing);
  }
  fs::create_directories(out / "text_encoder");
  write_json(out / "text_encoder" / "config.json", text_json_);
  TensorMap te = module_weights(*m.text_encoder, dtype);
  // As transformers writes it, so other tools load the folder too.
  te["text_model.embeddings.position_ids"] =
      torch::arange(m.text_encoder->config().max_position_embeddings, torch::kLong).unsqueeze(0);
  save_safetensors((out / "text_encoder" / "model.safetensors").string(), te, {{"format", "pt"}});
  fs::create_directories(out / "unet");
  nlohmann::json unet_json = unet_json_;
  unet_json["_diffusers_version"] = "0.25.1";
  write_json(out / "unet" / "config.json", unet_json);
  save_safetensors((out / "unet" / "diffusion_pytorch_model.safetensors").string(), module_weights(*m.unet, dtype),
                   {{"format", "pt"}});
  fs::create_directories(out / "vae");
  nlohmann::json vae_json = nlohmann::json::parse(read_file(vae_dir_ + "/config.json"));
  write_json(out / "vae" / "config.json", vae_json);
  save_safetensors((out / "vae" / "diffusion_pytorch_model.safetensors").string(), module_weights(*vae_, dtype),
                   {{"format", "pt"}});
  fs::create_directories(out / "scheduler");
  write_json(out / "scheduler" / "scheduler_config.json", scheduler_json_);
  write_json(out / "model_index.json",
             {{"_class_name", "StableDiffusionPipeline"},
              {"_diffusers_version", "0.25.1"},
              {"_mrti_defaults", demo_generation_defaults(settings_.resolution)},
              {"feature_extractor", {nullptr, nullptr}},
              {"safety_checker", {nullptr, nullptr}},
              {"requires_safety_checker", false},
              {"scheduler", {"diffusers", scheduler_json_.value("_class_name", "DDPMScheduler")}},
              {"text_encoder", {"transformers", "CLIPTextModel"}},
              {"tokenizer", {"transformers", "CLIPTokenizer"}},
              {"unet", {"diffusers", "UNet2DConditionModel"}},
              {"vae", {"diffusers", "AutoencoderKL"}}});
}

}  // namespace mrti
