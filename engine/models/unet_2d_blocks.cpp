#include "models/unet_2d_blocks.h"

#include <ATen/ATen.h>

#include "models/gradient_checkpoint.h"

namespace mrti {

namespace nn = torch::nn;

namespace {

ResnetBlock2D make_resnet(const UNetBlockOptions& o, int64_t in_channels, int64_t out_channels) {
  ResnetBlock2DOptions r;
  r.in_channels = in_channels;
  r.out_channels = out_channels;
  r.temb_channels = o.temb_channels;
  r.groups = o.groups;
  r.eps = o.eps;
  r.output_scale_factor = o.output_scale_factor;
  r.act = o.act;
  r.skip_time_act = o.skip_time_act;
  return ResnetBlock2D(r);
}

Transformer2DModel make_transformer(const UNetBlockOptions& o, int64_t channels) {
  Transformer2DModelOptions t;
  t.num_attention_heads = o.num_attention_heads;
  t.attention_head_dim = channels / o.num_attention_heads;
  t.in_channels = channels;
  t.num_layers = o.transformer_layers;
  t.cross_attention_dim = o.cross_attention_dim;
  t.norm_num_groups = o.groups;
  t.use_linear_projection = o.use_linear_projection;
  t.only_cross_attention = o.only_cross_attention;
  t.upcast_attention = o.upcast_attention;
  return Transformer2DModel(t);
}

// Fills `list` (registered under its diffusers name) and the typed vector used to call.
template <typename M>
void add(nn::ModuleList& list, std::vector<M>& typed, M module) {
  typed.push_back(module);
  list->push_back(module);
}

bool parameters_need_grad(const torch::nn::Module& module) {
  for (const auto& p : module.parameters(true))
    if (p.requires_grad()) return true;
  return false;
}

// A resnet or an attention of a UNet block, checkpointed when asked for and a backward
// pass will follow. The lambdas share ownership of the modules: backward runs after the
// block's forward has returned.
at::Tensor run_resnet(bool checkpointed, ResnetBlock2D& resnet, const at::Tensor& x, const at::Tensor& temb) {
  if (!checkpointed || !at::GradMode::is_enabled()) return resnet->forward(x, temb);
  auto r = resnet.ptr();
  return checkpoint([r](const std::vector<at::Tensor>& in) { return r->forward(in[0], in[1]); }, {x, temb},
                    parameters_need_grad(*resnet));
}

at::Tensor run_attention(bool checkpointed, Transformer2DModel& attention, const at::Tensor& x,
                         const at::Tensor& encoder_hidden_states) {
  if (!checkpointed || !at::GradMode::is_enabled()) return attention->forward(x, encoder_hidden_states);
  auto a = attention.ptr();
  return checkpoint([a](const std::vector<at::Tensor>& in) { return a->forward(in[0], in[1]); },
                    {x, encoder_hidden_states}, parameters_need_grad(*attention));
}

}  // namespace

// ---- UNet down blocks ----

DownBlock2DImpl::DownBlock2DImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i)
    add(resnets, resnets_, make_resnet(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels));
  if (o.add_sampler) {
    downsampler_ = Downsample2D(o.out_channels, o.out_channels, o.downsample_padding);
    downsamplers = register_module("downsamplers", nn::ModuleList(downsampler_));
  }
}

at::Tensor DownBlock2DImpl::forward(at::Tensor hidden_states, const at::Tensor& temb, const at::Tensor&,
                                    std::vector<at::Tensor>& skips) {
  for (auto& resnet : resnets_) {
    hidden_states = run_resnet(gradient_checkpointing, resnet, hidden_states, temb);
    skips.push_back(hidden_states);
  }
  if (downsampler_) {
    hidden_states = downsampler_->forward(hidden_states);
    skips.push_back(hidden_states);
  }
  return hidden_states;
}

CrossAttnDownBlock2DImpl::CrossAttnDownBlock2DImpl(const UNetBlockOptions& o) : DownBlock2DImpl(o) {
  attentions = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) add(attentions, attentions_, make_transformer(o, o.out_channels));
}

at::Tensor CrossAttnDownBlock2DImpl::forward(at::Tensor hidden_states, const at::Tensor& temb,
                                             const at::Tensor& encoder_hidden_states, std::vector<at::Tensor>& skips) {
  for (size_t i = 0; i < resnets_.size(); ++i) {
    hidden_states = run_resnet(gradient_checkpointing, resnets_[i], hidden_states, temb);
    hidden_states = run_attention(gradient_checkpointing, attentions_[i], hidden_states, encoder_hidden_states);
    skips.push_back(hidden_states);
  }
  if (downsampler_) {
    hidden_states = downsampler_->forward(hidden_states);
    skips.push_back(hidden_states);
  }
  return hidden_states;
}

// ---- UNet mid block ----

UNetMidBlock2DCrossAttnImpl::UNetMidBlock2DCrossAttnImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  attentions = register_module("attentions", nn::ModuleList());
  add(resnets, resnets_, make_resnet(o, o.in_channels, o.in_channels));
  for (int64_t i = 0; i < o.num_layers; ++i) {
    add(attentions, attentions_, make_transformer(o, o.in_channels));
    add(resnets, resnets_, make_resnet(o, o.in_channels, o.in_channels));
  }
}

at::Tensor UNetMidBlock2DCrossAttnImpl::forward(at::Tensor hidden_states, const at::Tensor& temb,
                                                const at::Tensor& encoder_hidden_states) {
  hidden_states = run_resnet(gradient_checkpointing, resnets_[0], hidden_states, temb);
  for (size_t i = 0; i < attentions_.size(); ++i) {
    hidden_states = run_attention(gradient_checkpointing, attentions_[i], hidden_states, encoder_hidden_states);
    hidden_states = run_resnet(gradient_checkpointing, resnets_[i + 1], hidden_states, temb);
  }
  return hidden_states;
}

// ---- UNet up blocks ----

UpBlock2DImpl::UpBlock2DImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    const int64_t skip_channels = i == o.num_layers - 1 ? o.in_channels : o.out_channels;
    const int64_t resnet_in = i == 0 ? o.prev_output_channels : o.out_channels;
    add(resnets, resnets_, make_resnet(o, resnet_in + skip_channels, o.out_channels));
  }
  if (o.add_sampler) {
    upsampler_ = Upsample2D(o.out_channels, o.out_channels);
    upsamplers = register_module("upsamplers", nn::ModuleList(upsampler_));
  }
}

at::Tensor UpBlock2DImpl::next_input(const at::Tensor& hidden_states, std::vector<at::Tensor>& skips) const {
  TORCH_CHECK(!skips.empty(), "UNet up block: no skip connection left");
  at::Tensor skip = std::move(skips.back());
  skips.pop_back();
  return at::cat({hidden_states, skip}, 1);
}

at::Tensor UpBlock2DImpl::upsample(const at::Tensor& hidden_states, at::IntArrayRef upsample_size) {
  return upsampler_ ? upsampler_->forward(hidden_states, upsample_size) : hidden_states;
}

at::Tensor UpBlock2DImpl::forward(at::Tensor hidden_states, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                                  const at::Tensor&, at::IntArrayRef upsample_size) {
  for (auto& resnet : resnets_)
    hidden_states = run_resnet(gradient_checkpointing, resnet, next_input(hidden_states, skips), temb);
  return upsample(hidden_states, upsample_size);
}

CrossAttnUpBlock2DImpl::CrossAttnUpBlock2DImpl(const UNetBlockOptions& o) : UpBlock2DImpl(o) {
  attentions = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) add(attentions, attentions_, make_transformer(o, o.out_channels));
}

at::Tensor CrossAttnUpBlock2DImpl::forward(at::Tensor hidden_states, std::vector<at::Tensor>& skips,
                                           const at::Tensor& temb, const at::Tensor& encoder_hidden_states,
                                           at::IntArrayRef upsample_size) {
  for (size_t i = 0; i < resnets_.size(); ++i) {
    hidden_states = run_resnet(gradient_checkpointing, resnets_[i], next_input(hidden_states, skips), temb);
    hidden_states = run_attention(gradient_checkpointing, attentions_[i], hidden_states, encoder_hidden_states);
  }
  return upsample(hidden_states, upsample_size);
}

// ---- VAE blocks ----

DownEncoderBlock2DImpl::DownEncoderBlock2DImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i)
    add(resnets, resnets_, make_resnet(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels));
  if (o.add_sampler) {
    downsampler_ = Downsample2D(o.out_channels, o.out_channels, o.downsample_padding);
    downsamplers = register_module("downsamplers", nn::ModuleList(downsampler_));
  }
}

at::Tensor DownEncoderBlock2DImpl::forward(at::Tensor hidden_states) {
  for (auto& resnet : resnets_) hidden_states = resnet->forward(hidden_states);
  return downsampler_ ? downsampler_->forward(hidden_states) : hidden_states;
}

UpDecoderBlock2DImpl::UpDecoderBlock2DImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i)
    add(resnets, resnets_, make_resnet(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels));
  if (o.add_sampler) {
    upsampler_ = Upsample2D(o.out_channels, o.out_channels);
    upsamplers = register_module("upsamplers", nn::ModuleList(upsampler_));
  }
}

at::Tensor UpDecoderBlock2DImpl::forward(at::Tensor hidden_states) {
  for (auto& resnet : resnets_) hidden_states = resnet->forward(hidden_states);
  return upsampler_ ? upsampler_->forward(hidden_states) : hidden_states;
}

UNetMidBlock2DImpl::UNetMidBlock2DImpl(const UNetBlockOptions& o, int64_t attention_head_dim, bool add_attention) {
  resnets = register_module("resnets", nn::ModuleList());
  attentions = register_module("attentions", nn::ModuleList());
  add(resnets, resnets_, make_resnet(o, o.in_channels, o.in_channels));
  for (int64_t i = 0; i < o.num_layers; ++i) {
    if (add_attention) {
      AttentionOptions a;
      a.query_dim = o.in_channels;
      a.heads = o.in_channels / attention_head_dim;
      a.dim_head = attention_head_dim;
      a.bias = true;
      a.upcast = true;  // diffusers' upcast_softmax: the VAE attends over every pixel
      a.norm_num_groups = o.groups;
      a.norm_eps = o.eps;
      a.residual_connection = true;
      a.rescale_output_factor = o.output_scale_factor;
      add(attentions, attentions_, Attention(a));
    }
    add(resnets, resnets_, make_resnet(o, o.in_channels, o.in_channels));
  }
}

at::Tensor UNetMidBlock2DImpl::forward(at::Tensor hidden_states, const at::Tensor& temb) {
  hidden_states = resnets_[0]->forward(hidden_states, temb);
  for (size_t i = 1; i < resnets_.size(); ++i) {
    if (!attentions_.empty()) hidden_states = attentions_[i - 1]->forward(hidden_states);
    hidden_states = resnets_[i]->forward(hidden_states, temb);
  }
  return hidden_states;
}

}  // namespace mrti
