#include "models/vae.h"

#include <ATen/ATen.h>

#include "models/group_norm_statistics.h"
#include "models/layer_forward.h"
#include "runtime/error.h"

namespace mrti {

namespace nn = torch::nn;

namespace {
constexpr double kVaeEps = 1e-6;

UNetBlockOptions vae_block(const VaeCoderOptions& o, int64_t in, int64_t out) {
  UNetBlockOptions b;
  b.in_channels = in;
  b.out_channels = out;
  b.eps = kVaeEps;
  b.act = o.act;
  b.groups = o.norm_num_groups;
  b.num_layers = o.layers_per_block;
  return b;
}

nn::Conv2d conv3x3(int64_t in, int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)); }

UNetMidBlock2D vae_mid_block(const VaeCoderOptions& o) {
  const int64_t ch = o.block_out_channels.back();
  UNetBlockOptions b = vae_block(o, ch, ch);
  b.num_layers = 1;
  return UNetMidBlock2D(b, /*attention_head_dim=*/ch, o.mid_block_add_attention);
}
}  // namespace

EncoderImpl::EncoderImpl(const VaeCoderOptions& o) : act_(o.act) {
  const auto& ch = o.block_out_channels;
  conv_in = register_module("conv_in", conv3x3(o.in_channels, ch[0]));
  down_blocks = register_module("down_blocks", nn::ModuleList());
  int64_t output_channel = ch[0];
  for (size_t i = 0; i < ch.size(); ++i) {
    UNetBlockOptions b = vae_block(o, output_channel, ch[i]);
    output_channel = ch[i];
    b.add_sampler = i + 1 < ch.size();
    b.downsample_padding = 0;
    down_.emplace_back(b);
    down_blocks->push_back(down_.back());
  }
  mid_block = register_module("mid_block", vae_mid_block(o));
  conv_norm_out = register_module(
      "conv_norm_out", nn::GroupNorm(nn::GroupNormOptions(o.norm_num_groups, ch.back()).eps(kVaeEps)));
  conv_out = register_module("conv_out", conv3x3(ch.back(), o.double_z ? 2 * o.out_channels : o.out_channels));
}

at::Tensor EncoderImpl::forward(const at::Tensor& sample) {
  at::Tensor x = conv2d(conv_in, sample);          // 1. in
  for (auto& block : down_) x = block->forward(x);  // 2. down
  x = mid_block->forward(x);                        // 3. mid
  // 4. out: the moments (mean and log-variance when double_z)
  return conv2d(conv_out, activate(group_norm(conv_norm_out, x), act_));
}

DecoderImpl::DecoderImpl(const VaeCoderOptions& o) : act_(o.act) {
  std::vector<int64_t> ch(o.block_out_channels.rbegin(), o.block_out_channels.rend());
  conv_in = register_module("conv_in", conv3x3(o.in_channels, ch[0]));
  mid_block = register_module("mid_block", vae_mid_block(o));
  up_blocks = register_module("up_blocks", nn::ModuleList());
  int64_t output_channel = ch[0];
  for (size_t i = 0; i < ch.size(); ++i) {
    UNetBlockOptions b = vae_block(o, output_channel, ch[i]);
    output_channel = ch[i];
    b.num_layers = o.layers_per_block + 1;
    b.add_sampler = i + 1 < ch.size();
    up_.emplace_back(b);
    up_blocks->push_back(up_.back());
  }
  conv_norm_out = register_module(
      "conv_norm_out", nn::GroupNorm(nn::GroupNormOptions(o.norm_num_groups, ch.back()).eps(kVaeEps)));
  conv_out = register_module("conv_out", conv3x3(ch.back(), o.out_channels));
}

at::Tensor DecoderImpl::forward(const at::Tensor& latent) {
  at::Tensor x = conv2d(conv_in, latent);        // 1. in
  x = mid_block->forward(x);                      // 2. mid
  for (auto& block : up_) x = block->forward(x);  // 3. up
  return conv2d(conv_out, activate(group_norm(conv_norm_out, x), act_));  // 4. out
}

DiagonalGaussianDistribution::DiagonalGaussianDistribution(const at::Tensor& moments_) : moments(moments_) {
  const auto parts = moments.chunk(2, 1);
  mean = parts[0];
  logvar = at::clamp(parts[1], -30.0, 20.0);
  std = at::exp(0.5 * logvar);
  var = at::exp(logvar);
}

at::Tensor DiagonalGaussianDistribution::sample(c10::optional<at::Generator> generator) const {
  const c10::Device device = generator.has_value() ? generator->device() : c10::Device(c10::kCPU);
  // float32 draws: the same stream for every model dtype.
  const at::Tensor noise = at::randn(mean.sizes(), generator, mean.options().device(device).dtype(at::kFloat));
  return sample_with_noise(noise.to(mean.device(), mean.scalar_type()));
}

at::Tensor DiagonalGaussianDistribution::sample_with_noise(const at::Tensor& noise) const {
  if (!noise.defined() || noise.sizes() != mean.sizes())
    throw Error("VAE posterior: noise must have the latent shape of the encoded image");
  return mean + std * noise;
}

}  // namespace mrti
