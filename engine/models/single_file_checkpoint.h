#pragma once
// Original Stable Diffusion (CompVis/LDM) single-file checkpoints as diffusers components:
// the key mapping of diffusers' convert_from_ckpt, and the diffusers configs of the
// standard SD 1.x / 2.x models, recognised from tensor shapes.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor_io/tensor_map.h"

namespace mrti {

struct SingleFileOptions {
  // A folder with diffusers configs (unet/config.json, vae/config.json,
  // text_encoder/config.json, scheduler/scheduler_config.json, tokenizer/), usually the
  // diffusers version of the same model. Each config found there replaces the one
  // inferred from shapes; it is required when the shapes match no standard model.
  std::string config_dir;
  // "epsilon" or "v_prediction" (SD 2.x 768 models): the weights cannot tell. Empty keeps
  // the config dir's value, else epsilon.
  std::string prediction_type;
};

// What the shapes of an LDM UNet say about its architecture.
struct LdmUnetLayout {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  std::vector<int64_t> block_out_channels;
  int64_t layers_per_block = 0;
  std::vector<bool> down_attention;  // per level, CrossAttnDownBlock2D when true
  std::vector<bool> up_attention;    // per up block (deepest first), CrossAttnUpBlock2D when true
  bool mid_attention = false;
  int64_t cross_attention_dim = 0;
  bool use_linear_projection = false;
  int64_t transformer_layers_per_block = 1;
};

struct ConvertedCheckpoint {
  TensorMap unet, vae, text_encoder;  // diffusers / transformers key names
  nlohmann::json unet_config, vae_config, text_encoder_config, scheduler_config;
  std::string family;           // "SD 1.x" or "SD 2.x" (from the text encoder / cross-attention width)
  std::string config_source;    // "standard SD 1.x configuration" or the config folder used
  std::string tokenizer_dir;    // <config_dir>/tokenizer when present, else ""
  std::vector<std::string> dropped;  // keys left out on purpose (EMA copy, schedule buffers, ...)
  std::vector<std::string> notes;    // assumptions the user should know about
};

// Reads a checkpoint: .safetensors (memory-mapped), or a torch zip pickle (.ckpt, .pt,
// .pth, .bin) through the restricted unpickler. A pickle that references Python objects
// beyond tensors (e.g. PyTorch Lightning training state) is refused with a message saying
// to convert it to .safetensors.
TensorMap read_checkpoint_file(const std::string& path);

// True when `weights` look like an LDM single-file Stable Diffusion checkpoint.
bool is_ldm_checkpoint(const TensorMap& weights);

// Architecture facts read from `model.diffusion_model.*` shapes; `unet` holds the keys
// without that prefix. Throws naming `source` when the layout is not a SD UNet.
LdmUnetLayout infer_ldm_unet_layout(const TensorMap& unet, const std::string& source);

// Key conversions. Inputs are the checkpoint's tensors with their prefix removed
// (model.diffusion_model., first_stage_model., cond_stage_model.transformer. /
// cond_stage_model.model.); outputs use diffusers/transformers names. Tensors are views
// of the inputs where no reshape is needed. Unknown keys throw mrti::Error naming them.
TensorMap convert_ldm_unet(const TensorMap& unet, int64_t layers_per_block, const std::string& source);
TensorMap convert_ldm_vae(const TensorMap& vae, const std::string& source);
TensorMap convert_ldm_clip(const TensorMap& text, const std::string& source);
// OpenCLIP (SD 2.x): keeps layers [0, keep_layers); the rest, text_projection and
// logit_scale are dropped (names appended to `dropped`).
TensorMap convert_open_clip(const TensorMap& text, int64_t keep_layers, const std::string& source,
                            std::vector<std::string>* dropped = nullptr);

// The whole checkpoint: components, configs, and what was dropped.
ConvertedCheckpoint convert_single_file_checkpoint(const TensorMap& checkpoint, const std::string& source,
                                                   const SingleFileOptions& options = {});
ConvertedCheckpoint load_single_file_checkpoint(const std::string& path, const SingleFileOptions& options = {});

// The diffusers configs of the standard models (as their config.json files hold them).
nlohmann::json sd15_scheduler_config();

}  // namespace mrti
