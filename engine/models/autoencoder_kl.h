#pragma once
// diffusers models/autoencoders/autoencoder_kl.py: the Stable Diffusion VAE.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/vae.h"
#include "tensor_io/tensor_map.h"

namespace mrti {

struct AutoencoderKLConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<std::string> down_block_types;  // DownEncoderBlock2D each
  std::vector<std::string> up_block_types;    // UpDecoderBlock2D each
  std::vector<int64_t> block_out_channels;
  int64_t layers_per_block = 1;
  int64_t latent_channels = 4;
  int64_t norm_num_groups = 32;
  std::string act_fn = "silu";
  int64_t sample_size = 512;
  double scaling_factor = 0.18215;  // the pipeline decodes latents / scaling_factor
  bool force_upcast = true;         // diffusers runs this VAE in float32 under fp16
  bool mid_block_add_attention = true;

  // Image pixels per latent pixel along each side (8 for SD).
  int64_t downscale_factor() const { return int64_t(1) << (block_out_channels.size() - 1); }

  static AutoencoderKLConfig from_json(const nlohmann::json& json, const std::string& source);
  // `path`: the vae folder or its config.json.
  static AutoencoderKLConfig from_file(const std::string& path);
};

// Keys: encoder.*, decoder.*, quant_conv, post_quant_conv.
class AutoencoderKLImpl : public torch::nn::Module {
 public:
  explicit AutoencoderKLImpl(const AutoencoderKLConfig& config);

  // image [B, in_channels, H, W] in [-1, 1] -> posterior over unscaled latents.
  DiagonalGaussianDistribution encode(const at::Tensor& image);
  // Unscaled latent [B, latent_channels, h, w] -> image in about [-1, 1].
  at::Tensor decode(const at::Tensor& latent);

  // Encode/decode one batch item at a time: lower peak memory, same results.
  void set_slicing(bool enabled) { slicing_ = enabled; }

  // Decode latents larger than the model's own size (config sample_size, 512 pixels for SD)
  // in overlapping tiles of that size, blended linearly over a quarter tile, as diffusers'
  // enable_tiling(): memory stays that of one tile however large the picture. Every tile is
  // normalised with GroupNorm statistics of the whole picture (from a decode of it shrunk to
  // one tile), so the tiles agree in tone; the result is close to, not equal to, the whole
  // decode (a tile's convolutions do not see past its edges, hence the blending).
  void set_tiling(bool enabled) { tiling_ = enabled; }
  bool tiling() const { return tiling_; }
  at::Tensor tiled_decode(const at::Tensor& latent);

  const AutoencoderKLConfig& config() const { return config_; }

  Encoder encoder{nullptr};
  Decoder decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

 private:
  AutoencoderKLConfig config_;
  bool slicing_ = false;
  bool tiling_ = false;
};
TORCH_MODULE(AutoencoderKL);

// Renames the pre-0.14 diffusers mid-block attention keys (…attentions.N.query / key /
// value / proj_attn) to to_q / to_k / to_v / to_out.0; other keys pass unchanged.
TensorMap rename_legacy_vae_attention_keys(const TensorMap& weights);

// Reshapes VAE mid-block attention tensors stored conv-style to the Linear shapes:
// weights [O, I, 1, 1] -> [O, I] and biases [C, 1, 1] -> [C] (the latter as written by
// diffusers' convert_diffusers_to_original_stable_diffusion.py). Other keys pass unchanged.
TensorMap squeeze_vae_attention_shapes(const TensorMap& weights);

// Both of the above: what a loader applies to any VAE state dict in diffusers names.
TensorMap normalize_vae_state_dict(const TensorMap& weights);

}  // namespace mrti
