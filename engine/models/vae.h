#pragma once
// diffusers models/autoencoders/vae.py: the VAE's Encoder and Decoder and the latent
// distribution the encoder produces.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <c10/util/Optional.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/unet_2d_blocks.h"

namespace mrti {

struct VaeCoderOptions {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<int64_t> block_out_channels;
  int64_t layers_per_block = 2;
  int64_t norm_num_groups = 32;
  Activation act = Activation::SiLU;
  bool double_z = true;  // encoder: output mean and log-variance
  bool mid_block_add_attention = true;
};

// Keys: conv_in, down_blocks.N (DownEncoderBlock2D), mid_block, conv_norm_out, conv_out.
class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const VaeCoderOptions& options);
  at::Tensor forward(const at::Tensor& sample);

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down_blocks{nullptr};
  UNetMidBlock2D mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  std::vector<DownEncoderBlock2D> down_;
  Activation act_;
};
TORCH_MODULE(Encoder);

// Keys: conv_in, mid_block, up_blocks.N (UpDecoderBlock2D), conv_norm_out, conv_out.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const VaeCoderOptions& options);
  at::Tensor forward(const at::Tensor& latent);

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  UNetMidBlock2D mid_block{nullptr};
  torch::nn::ModuleList up_blocks{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  std::vector<UpDecoderBlock2D> up_;
  Activation act_;
};
TORCH_MODULE(Decoder);

// The encoder's posterior: moments [B, 2C, h, w] split into mean and log-variance, the
// log-variance clamped to [-30, 20] as diffusers does.
struct DiagonalGaussianDistribution {
  explicit DiagonalGaussianDistribution(const at::Tensor& moments);

  at::Tensor moments;  // the quant_conv output, as given
  at::Tensor mean, logvar, std, var;

  // mean + std * N(0, 1). Noise is drawn on the generator's device (the CPU when none
  // is given) and moved to the mean's, so a CPU seed gives the same latents everywhere.
  at::Tensor sample(c10::optional<at::Generator> generator = c10::nullopt) const;
  // mean + std * noise, for noise drawn elsewhere.
  at::Tensor sample_with_noise(const at::Tensor& noise) const;
  at::Tensor mode() const { return mean; }
};

}  // namespace mrti
