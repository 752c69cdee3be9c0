#pragma once
// diffusers models/resnet.py: ResnetBlock2D, Downsample2D, Upsample2D, and the
// activation names (get_activation) that the configs use.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace mrti {

enum class Activation { SiLU, Mish, GELU, ReLU };
// "silu"/"swish", "mish", "gelu", "relu"; anything else throws naming `source`.
Activation parse_activation(const std::string& name, const std::string& source);
at::Tensor activate(const at::Tensor& x, Activation act);

struct ResnetBlock2DOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t temb_channels = 0;  // 0: no time embedding (VAE)
  int64_t groups = 32;
  double eps = 1e-6;
  double output_scale_factor = 1.0;
  Activation act = Activation::SiLU;
  bool skip_time_act = false;
};

// Keys: norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut (when in != out).
class ResnetBlock2DImpl : public torch::nn::Module {
 public:
  explicit ResnetBlock2DImpl(const ResnetBlock2DOptions& options);
  at::Tensor forward(const at::Tensor& input, const at::Tensor& temb = {});

  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  torch::nn::Linear time_emb_proj{nullptr};

 private:
  ResnetBlock2DOptions options_;
};
TORCH_MODULE(ResnetBlock2D);

// A 3x3 stride-2 conv `conv`. padding 0 means diffusers' asymmetric (0,1,0,1) zero pad
// before an unpadded conv, as the VAE encoder does.
class Downsample2DImpl : public torch::nn::Module {
 public:
  Downsample2DImpl(int64_t channels, int64_t out_channels, int64_t padding);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Conv2d conv{nullptr};

 private:
  int64_t padding_;
};
TORCH_MODULE(Downsample2D);

// Nearest-neighbour 2x (or to `output_size`, for sizes that were odd on the way down),
// then a 3x3 conv `conv`.
class Upsample2DImpl : public torch::nn::Module {
 public:
  Upsample2DImpl(int64_t channels, int64_t out_channels);
  at::Tensor forward(const at::Tensor& x, at::IntArrayRef output_size = {});

  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace mrti
