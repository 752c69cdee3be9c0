#include "models/resnet.h"

#include <ATen/ATen.h>

#include "models/group_norm_statistics.h"
#include "models/int8_linear.h"
#include "models/layer_forward.h"
#include "runtime/error.h"

namespace mrti {

namespace nn = torch::nn;

Activation parse_activation(const std::string& name, const std::string& source) {
  if (name == "silu" || name == "swish") return Activation::SiLU;
  if (name == "mish") return Activation::Mish;
  if (name == "gelu") return Activation::GELU;
  if (name == "relu") return Activation::ReLU;
  throw Error(source + ": field \"act_fn\" = \"" + name + "\" is not supported (use silu, swish, mish, gelu or relu)");
}

at::Tensor activate(const at::Tensor& x, Activation act) {
  switch (act) {
    case Activation::SiLU: return at::silu(x);
    case Activation::Mish: return at::mish(x);
    case Activation::GELU: return at::gelu(x);
    case Activation::ReLU: return at::relu(x);
  }
  return x;
}

static nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(1).padding(1));
}

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetBlock2DOptions& o) : options_(o) {
  norm1 = register_module("norm1", nn::GroupNorm(nn::GroupNormOptions(o.groups, o.in_channels).eps(o.eps)));
  conv1 = register_module("conv1", conv3x3(o.in_channels, o.out_channels));
  if (o.temb_channels > 0)
    time_emb_proj = register_module("time_emb_proj", nn::Linear(o.temb_channels, o.out_channels));
  norm2 = register_module("norm2", nn::GroupNorm(nn::GroupNormOptions(o.groups, o.out_channels).eps(o.eps)));
  conv2 = register_module("conv2", conv3x3(o.out_channels, o.out_channels));
  if (o.in_channels != o.out_channels)
    conv_shortcut = register_module("conv_shortcut", nn::Conv2d(nn::Conv2dOptions(o.in_channels, o.out_channels, 1)));
}

at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& input, const at::Tensor& temb) {
  at::Tensor h = conv2d(conv1, activate(group_norm(norm1, input), options_.act));
  if (time_emb_proj && temb.defined()) {
    const at::Tensor t = linear(time_emb_proj, options_.skip_time_act ? temb : activate(temb, options_.act));
    h = h + t.unsqueeze(-1).unsqueeze(-1);
  }
  h = conv2d(conv2, activate(group_norm(norm2, h), options_.act));
  at::Tensor out = (conv_shortcut ? pointwise_conv(conv_shortcut, input) : input) + h;
  if (options_.output_scale_factor != 1.0) out = out / options_.output_scale_factor;
  return out;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t out_channels, int64_t padding) : padding_(padding) {
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(channels, out_channels, 3).stride(2).padding(padding)));
}

at::Tensor Downsample2DImpl::forward(const at::Tensor& x) {
  if (padding_ == 0) return conv2d(conv, at::constant_pad_nd(x, {0, 1, 0, 1}, 0));
  return conv2d(conv, x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, int64_t out_channels) {
  conv = register_module("conv", conv3x3(channels, out_channels));
}

at::Tensor Upsample2DImpl::forward(const at::Tensor& x, at::IntArrayRef output_size) {
  const int64_t size[2] = {x.size(-2) * 2, x.size(-1) * 2};
  return conv2d(conv, at::upsample_nearest2d(x, output_size.empty() ? at::IntArrayRef(size) : output_size));
}

}  // namespace mrti
