#include "models/random_model.h"

#include <filesystem>

#include <torch/torch.h>

#include "models/autoencoder_kl.h"
#include "models/clip_text_model.h"
#include "models/standard_configs.h"
#include "models/unet_2d_condition_model.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "text/clip_tokenizer.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {

void write_json(const fs::path& path, const nlohmann::json& j) {
  write_file_atomically(path.string(), j.dump(2) + "\n");
}

TensorMap state_of(torch::nn::Module& module, c10::ScalarType dtype) {
  TensorMap out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value().detach().to(dtype).contiguous();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value().detach().contiguous();
  return out;
}

void save_component(const fs::path& dir, const std::string& weights_name, torch::nn::Module& module,
                    const nlohmann::json& config, c10::ScalarType dtype) {
  fs::create_directories(dir);
  write_json(dir / "config.json", config);
  save_safetensors((dir / weights_name).string(), state_of(module, dtype), {{"format", "pt"}});
}

}  // namespace

void write_random_model(const std::string& out_dir, const RandomModelOptions& options) {
  const auto configs = standard_configs(options.arch);
  if (options.tokenizer_dir.empty())
    throw Error("a tokenizer folder (vocab.json + merges.txt) is needed for a random model");
  ClipTokenizer tokenizer(options.tokenizer_dir);  // validates the folder before anything is written
  const fs::path out(out_dir);
  if (fs::exists(out / "model_index.json"))
    throw Error("'" + out_dir + "' already holds a model (model_index.json); choose an empty folder");
  fs::create_directories(out);
  torch::NoGradGuard no_grad;
  torch::manual_seed(options.seed);
  auto report = [&](const char* c) {
    if (options.progress) options.progress(c);
  };

  // Tokenizer: the given files, as a diffusers folder holds them.
  report("tokenizer");
  fs::create_directories(out / "tokenizer");
  for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path src = fs::path(tokenizer.folder()) / name;
    if (fs::exists(src)) fs::copy_file(src, out / "tokenizer" / name, fs::copy_options::overwrite_existing);
  }

  report("text_encoder");
  {
    ClipTextModel te(ClipTextConfig::from_json(configs.text_encoder, "standard text encoder config"));
    save_component(out / "text_encoder", "model.safetensors", *te, configs.text_encoder, options.dtype);
  }
  report("unet");
  {
    UNet2DConditionModel unet(UNet2DConditionConfig::from_json(configs.unet, "standard UNet config"));
    save_component(out / "unet", "diffusion_pytorch_model.safetensors", *unet, configs.unet, options.dtype);
  }
  report("vae");
  {
    AutoencoderKL vae(AutoencoderKLConfig::from_json(configs.vae, "standard VAE config"));
    save_component(out / "vae", "diffusion_pytorch_model.safetensors", *vae, configs.vae, options.dtype);
  }
  report("scheduler");
  fs::create_directories(out / "scheduler");
  write_json(out / "scheduler" / "scheduler_config.json", configs.scheduler);
  write_json(out / "model_index.json",
             {{"_class_name", "StableDiffusionPipeline"},
              {"_mrti_random_weights", configs.name},
              {"feature_extractor", {nullptr, nullptr}},
              {"safety_checker", {nullptr, nullptr}},
              {"scheduler", {"diffusers", configs.scheduler["_class_name"]}},
              {"text_encoder", {"transformers", "CLIPTextModel"}},
              {"tokenizer", {"transformers", "CLIPTokenizer"}},
              {"unet", {"diffusers", "UNet2DConditionModel"}},
              {"vae", {"diffusers", "AutoencoderKL"}}});
}

}  // namespace mrti
