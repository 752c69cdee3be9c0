#include "models/transformer_2d_model.h"

#include <optional>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "models/group_norm_statistics.h"
#include "models/int8_linear.h"
#include "models/layer_forward.h"

namespace mrti {

namespace nn = torch::nn;

GEGLUImpl::GEGLUImpl(int64_t dim_in, int64_t dim_out) {
  proj = register_module("proj", nn::Linear(dim_in, dim_out * 2));
}

at::Tensor GEGLUImpl::forward(const at::Tensor& x) {
  const auto parts = linear(proj, x).chunk(2, -1);
  return parts[0] * at::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t mult) {
  const int64_t inner = dim * mult;
  geglu_ = GEGLU(dim, inner);
  out_ = nn::Linear(inner, dim);
  net = register_module("net", nn::ModuleList(geglu_, nn::Identity(), out_));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return linear(out_, geglu_->forward(x)); }

BasicTransformerBlockImpl::BasicTransformerBlockImpl(const BasicTransformerBlockOptions& o)
    : only_cross_attention_(o.only_cross_attention) {
  auto layer_norm = [&] { return nn::LayerNorm(nn::LayerNormOptions({o.dim}).eps(1e-5)); };
  AttentionOptions attn;
  attn.query_dim = o.dim;
  attn.heads = o.heads;
  attn.dim_head = o.dim_head;
  attn.upcast = o.upcast_attention;
  norm1 = register_module("norm1", layer_norm());
  AttentionOptions self_attn = attn;
  if (o.only_cross_attention) self_attn.cross_attention_dim = o.cross_attention_dim;
  attn1 = register_module("attn1", Attention(self_attn));
  if (o.cross_attention_dim > 0) {
    norm2 = register_module("norm2", layer_norm());
    AttentionOptions cross_attn = attn;
    cross_attn.cross_attention_dim = o.cross_attention_dim;
    attn2 = register_module("attn2", Attention(cross_attn));
  }
  norm3 = register_module("norm3", layer_norm());
  ff = register_module("ff", FeedForward(o.dim));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states,
                                              const TokenMerge* merge) {
  at::Tensor a = layer_norm(norm1, hidden_states);
  if (merge) a = merge->merge(a);
  a = attn1->forward(a, only_cross_attention_ ? encoder_hidden_states : at::Tensor());
  if (merge) a = merge->unmerge(a);
  at::Tensor h = a + hidden_states;
  if (attn2) h = attn2->forward(layer_norm(norm2, h), encoder_hidden_states) + h;
  return ff->forward(layer_norm(norm3, h)) + h;
}

Transformer2DModelImpl::Transformer2DModelImpl(const Transformer2DModelOptions& o) : options_(o) {
  const int64_t inner = o.num_attention_heads * o.attention_head_dim;
  norm = register_module("norm", nn::GroupNorm(nn::GroupNormOptions(o.norm_num_groups, o.in_channels).eps(1e-6)));
  if (o.use_linear_projection)
    proj_in_linear = register_module("proj_in", nn::Linear(o.in_channels, inner));
  else
    proj_in_conv = register_module("proj_in", nn::Conv2d(nn::Conv2dOptions(o.in_channels, inner, 1)));
  transformer_blocks = register_module("transformer_blocks", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    BasicTransformerBlockOptions b;
    b.dim = inner;
    b.heads = o.num_attention_heads;
    b.dim_head = o.attention_head_dim;
    b.cross_attention_dim = o.cross_attention_dim;
    b.only_cross_attention = o.only_cross_attention;
    b.upcast_attention = o.upcast_attention;
    blocks_.emplace_back(b);
    transformer_blocks->push_back(blocks_.back());
  }
  if (o.use_linear_projection)
    proj_out_linear = register_module("proj_out", nn::Linear(inner, o.in_channels));
  else
    proj_out_conv = register_module("proj_out", nn::Conv2d(nn::Conv2dOptions(inner, o.in_channels, 1)));
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states) {
  const int64_t b = hidden_states.size(0), h = hidden_states.size(2), w = hidden_states.size(3);
  at::Tensor x = group_norm(norm, hidden_states);
  // NCHW -> [B, H*W, C]: free for channels_last input, one copy otherwise.
  auto to_tokens = [&](const at::Tensor& t) { return t.permute({0, 2, 3, 1}).reshape({b, h * w, t.size(1)}); };
  // ... and back, in the memory format of the input (diffusers' .contiguous() for NCHW).
  auto to_image = [&](const at::Tensor& t) {
    return t.reshape({b, h, w, t.size(2)}).permute({0, 3, 1, 2}).contiguous(hidden_states.suggest_memory_format());
  };
  // A 1x1 convolution with int8 weights runs as the linear layer it is, on the tokens.
  if (options_.use_linear_projection)
    x = linear(proj_in_linear, to_tokens(x));
  else if (const auto* int8 = int8_weights(*proj_in_conv))
    x = int8->forward(to_tokens(x));
  else
    x = to_tokens(conv2d(proj_in_conv, x));
  // Token merging where this grid is the latent's own (the highest resolution), decided
  // afresh for every block from its input, as tomesd does.
  const TokenMergeSettings* tome = active_token_merge();
  std::optional<at::Generator> merge_choice;
  if (tome && tome->ratio > 0 && h == tome->latent_height && w == tome->latent_width)
    merge_choice = at::detail::createCPUGenerator(tome->seed);
  for (auto& block : blocks_) {
    if (!merge_choice) {
      x = block->forward(x, encoder_hidden_states);
      continue;
    }
    const TokenMerge merge(x, h, w, int64_t(double(h * w) * tome->ratio), *merge_choice);
    x = block->forward(x, encoder_hidden_states, &merge);
  }
  if (options_.use_linear_projection)
    x = to_image(linear(proj_out_linear, x));
  else if (const auto* int8 = int8_weights(*proj_out_conv))
    x = to_image(int8->forward(x));
  else
    x = conv2d(proj_out_conv, to_image(x));
  return x + hidden_states;
}

}  // namespace mrti
