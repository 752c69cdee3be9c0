#pragma once
// diffusers models/unets/unet_2d_condition.py: the Stable Diffusion 1.x/2.x UNet.
// Parameter names equal diffusers' state-dict keys, so its weight files load by name.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/embeddings.h"
#include "models/resnet.h"
#include "models/unet_2d_blocks.h"

namespace mrti {

// unet/config.json, with per-block settings expanded to one entry per down block (in
// down-block order) and diffusers' defaults for fields older configs lack.
struct UNet2DConditionConfig {
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  std::vector<int64_t> block_out_channels;
  std::vector<std::string> down_block_types;
  std::string mid_block_type = "UNetMidBlock2DCrossAttn";  // "" for none
  std::vector<std::string> up_block_types;
  std::vector<int64_t> layers_per_block;
  // Heads per block. diffusers names this attention_head_dim in SD configs although it
  // is the head count (num_attention_heads = num_attention_heads or attention_head_dim).
  std::vector<int64_t> num_attention_heads;
  std::vector<int64_t> cross_attention_dim;
  std::vector<int64_t> transformer_layers_per_block;
  std::vector<bool> only_cross_attention;
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  bool use_linear_projection = false;
  bool upcast_attention = false;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  bool center_input_sample = false;
  std::string act_fn = "silu";
  int64_t downsample_padding = 1;
  double mid_block_scale_factor = 1.0;
  int64_t conv_in_kernel = 3;
  int64_t conv_out_kernel = 3;
  int64_t time_embedding_dim = 0;  // 0: 4 * block_out_channels[0]
  int64_t sample_size = 64;        // latent size the model was trained at

  // Refuses configs of models this UNet does not implement (SDXL's addition_embed_type,
  // class embeddings, dual cross-attention ...) with an error naming the field.
  static UNet2DConditionConfig from_json(const nlohmann::json& json, const std::string& source);
  // `path`: the unet folder or its config.json.
  static UNet2DConditionConfig from_file(const std::string& path);
};

// Less work per sampling step, each off by default; one per sampling run (its state must
// not be shared between pictures of other sizes).
//  - DeepCache (Ma, Fang & Wang, 2023): the deep features change little between adjacent
//    steps. Every `deep_cache_interval`-th call runs the whole UNet and keeps the input of
//    its last up block; the calls between run only the first down block and the last up
//    block (the highest resolution) and reuse that input.
//  - Token merging (models/token_merging.h) at the highest resolution, `token_merge_ratio`
//    of the tokens merged away before each self-attention.
struct UNetShortcuts {
  int deep_cache_interval = 1;  // <= 1: every call runs the whole UNet
  double token_merge_ratio = 0;
  int calls = 0;
  at::Tensor deep;  // the last up block's input from the latest whole call
};

class UNet2DConditionModelImpl : public torch::nn::Module {
 public:
  explicit UNet2DConditionModelImpl(const UNet2DConditionConfig& config);

  // sample [B, in_channels, h, w] (any h, w); timestep: int64 or float [B], or a 0-dim /
  // one-element tensor used for the whole batch; encoder_hidden_states [B, L, C].
  // Returns the prediction [B, out_channels, h, w] (diffusers' `.sample`).
  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timestep, const at::Tensor& encoder_hidden_states,
                     UNetShortcuts* shortcuts = nullptr);

  const UNet2DConditionConfig& config() const { return config_; }

  // Training: checkpoint every resnet and attention of the down, mid and up blocks
  // (models/gradient_checkpoint.h), so their activations are recomputed in the backward
  // pass instead of kept. Off by default; it has no effect without a backward pass.
  void set_gradient_checkpointing(bool enabled);
  bool gradient_checkpointing() const { return gradient_checkpointing_; }

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  Timesteps time_proj{nullptr};
  TimestepEmbedding time_embedding{nullptr};
  torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
  UNetMidBlock2DCrossAttn mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  UNet2DConditionConfig config_;
  Activation act_;
  std::vector<std::shared_ptr<UNetDownBlock>> down_;
  std::vector<std::shared_ptr<UNetUpBlock>> up_;
  int num_upsamplers_ = 0;
  bool gradient_checkpointing_ = false;
};
TORCH_MODULE(UNet2DConditionModel);

}  // namespace mrti
