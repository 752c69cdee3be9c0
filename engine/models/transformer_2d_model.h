#pragma once
// diffusers models/transformers/transformer_2d.py (Transformer2DModel, continuous input)
// and the pieces of models/attention.py it uses: BasicTransformerBlock, FeedForward, GEGLU.
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/attention_processor.h"
#include "models/token_merging.h"

namespace mrti {

// Key: proj (Linear dim_in -> 2*dim_out); out = a * gelu(gate) for (a, gate) = proj(x).chunk(2).
class GEGLUImpl : public torch::nn::Module {
 public:
  GEGLUImpl(int64_t dim_in, int64_t dim_out);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

// Keys: net.0.proj (GEGLU), net.2 (Linear); net.1 is diffusers' parameterless Dropout.
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t dim, int64_t mult = 4);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::ModuleList net{nullptr};

 private:
  GEGLU geglu_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(FeedForward);

struct BasicTransformerBlockOptions {
  int64_t dim = 0;
  int64_t heads = 8;
  int64_t dim_head = 64;
  int64_t cross_attention_dim = 0;  // 0: no cross-attention (no norm2/attn2)
  bool only_cross_attention = false;
  bool upcast_attention = false;
};

// Keys: norm1, attn1 (self), norm2, attn2 (cross), norm3, ff.
class BasicTransformerBlockImpl : public torch::nn::Module {
 public:
  explicit BasicTransformerBlockImpl(const BasicTransformerBlockOptions& options);
  // `merge`: token merging for the self-attention (models/token_merging.h), or none.
  at::Tensor forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states,
                     const TokenMerge* merge = nullptr);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};

 private:
  bool only_cross_attention_;
};
TORCH_MODULE(BasicTransformerBlock);

struct Transformer2DModelOptions {
  int64_t num_attention_heads = 8;
  int64_t attention_head_dim = 64;
  int64_t in_channels = 0;
  int64_t num_layers = 1;
  int64_t cross_attention_dim = 0;
  int64_t norm_num_groups = 32;
  bool use_linear_projection = false;
  bool only_cross_attention = false;
  bool upcast_attention = false;
};

// Keys: norm (GroupNorm, eps 1e-6), proj_in, transformer_blocks.N, proj_out. proj_in and
// proj_out are 1x1 convs, or Linear layers with use_linear_projection (SD 2.x).
class Transformer2DModelImpl : public torch::nn::Module {
 public:
  explicit Transformer2DModelImpl(const Transformer2DModelOptions& options);
  // hidden_states [B, C, H, W], encoder_hidden_states [B, L, cross_attention_dim].
  at::Tensor forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states);

  torch::nn::GroupNorm norm{nullptr};
  // Registered as proj_in / proj_out: the convs, or with use_linear_projection the Linears.
  torch::nn::Conv2d proj_in_conv{nullptr}, proj_out_conv{nullptr};
  torch::nn::Linear proj_in_linear{nullptr}, proj_out_linear{nullptr};
  torch::nn::ModuleList transformer_blocks{nullptr};

 private:
  Transformer2DModelOptions options_;
  std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace mrti
