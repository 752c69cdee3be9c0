#pragma once
// A whole Stable Diffusion 1.x/2.x model (tokenizer, text encoder, UNet, VAE, scheduler
// settings), loaded from a diffusers folder or an original single-file checkpoint.
#include <functional>
#include <memory>
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <nlohmann/json.hpp>

#include "models/autoencoder_kl.h"
#include "models/clip_text_model.h"
#include "models/unet_2d_condition_model.h"
#include "models/unet_cuda_graph.h"
#include "text/clip_tokenizer.h"

namespace mrti {

struct ModelLoadOptions {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::kFloat;  // weights are cast to this after loading
  bool vae_float32 = false;             // keep the VAE in float32 (fp16 SD VAEs overflow)
  // Int8 weights for the UNet's linear layers and 1x1 convolutions (models/int8_linear.h):
  // CPU generation only.
  bool int8_weights = false;
  // CUDA only: the UNet step replayed as a CUDA graph (models/unet_cuda_graph.h).
  bool cuda_graphs = false;
  // Single files: a diffusers folder whose configs (and tokenizer/) describe the model;
  // needed when its shapes match no standard SD 1.x/2.x model.
  std::string config_dir;
  // Single files: "epsilon" or "v_prediction" (SD 2.x 768 models); "" = config or epsilon.
  std::string prediction_type;
  // Diffusers folders: "fp16" prefers model.fp16.safetensors-style files.
  std::string variant;
  // Called as loading goes: the component being loaded ("text_encoder", "unet", ...) and
  // the overall fraction done, 0 to 1.
  std::function<void(const std::string& component, double fraction)> progress;
};

struct StableDiffusionModel {
  std::shared_ptr<ClipTokenizer> tokenizer;
  ClipTextModel text_encoder{nullptr};
  UNet2DConditionModel unet{nullptr};
  AutoencoderKL vae{nullptr};
  nlohmann::json scheduler_config;  // scheduler/scheduler_config.json
  std::string source;               // the folder or file it was loaded from
  std::string kind;                 // "diffusers" or "single-file"
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::kFloat;  // text encoder and UNet; the VAE may be float32
  int64_t int8_layers = 0;              // UNet layers with int8 weights (0: none)
  // Set with ModelLoadOptions::cuda_graphs: the sampling loop runs the UNet through it.
  std::shared_ptr<UNetCudaGraph> unet_graph;
};

// `path`: a diffusers folder (model_index.json, text_encoder/, tokenizer/, unet/, vae/,
// scheduler/) or a single-file checkpoint (.safetensors; .ckpt/.pt when they hold only
// tensors). Errors name the missing component or file and what was expected.
StableDiffusionModel load_stable_diffusion(const std::string& path, const ModelLoadOptions& options = {});

// The weights file of a diffusers component folder: <name>.safetensors before <name>.bin
// (name: model, pytorch_model or diffusion_pytorch_model), the `variant`
// (<name>.fp16.safetensors) first when given, else any variant when it is all there is.
// A sharded model gives its *.index.json. Throws naming the folder when none exists.
std::string find_component_weights(const std::string& folder, const std::string& variant = "");
// Reads a weights file as find_component_weights returns it (sharded indexes included).
TensorMap read_component_weights(const std::string& file);

// The CLIP vocabulary that ships with MRTI Studio (single files carry no tokenizer).
std::string bundled_clip_tokenizer_dir();

// One component from its folder (config.json + weights) or from a weights file with
// config.json beside it; cast to options.dtype and moved to options.device.
ClipTextModel load_text_encoder(const std::string& folder_or_file, const ModelLoadOptions& options = {});
UNet2DConditionModel load_unet(const std::string& folder_or_file, const ModelLoadOptions& options = {});
AutoencoderKL load_vae(const std::string& folder_or_file, const ModelLoadOptions& options = {});

// What `path` holds, without building the networks: kind, components with their weights
// files, parameter counts, dtypes found in the files, and key config values. Throws with
// a message naming what is missing.
nlohmann::json describe_stable_diffusion(const std::string& path, const std::string& config_dir = "",
                                         const std::string& prediction_type = "");

}  // namespace mrti
