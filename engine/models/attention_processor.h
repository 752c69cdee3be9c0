#pragma once
// diffusers' `Attention` (models/attention_processor.py) and the attention kernel that
// every attention layer of the UNet and the VAE shares.
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace mrti {

// The most bytes one block of attention scores (and their softmax) may take on the
// chunked path, so peak memory stays flat as images grow.
constexpr int64_t kDefaultAttentionChunkBytes = int64_t(256) << 20;
void set_attention_chunk_bytes(int64_t bytes);  // values < 1 restore the default
int64_t attention_chunk_bytes();

// softmax(q k^T / sqrt(D)) v over q [N, Lq, D], k and v [N, Lk, D] (N = batch * heads),
// computed in blocks of `batch_chunk` rows of N by `query_chunk` queries. Matmuls run in
// the input dtype; the softmax runs in float32 for half inputs, and with `upcast` the
// scores are computed in float32 too (SD 2.x overflows float16 there). Differentiable.
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool upcast,
                             int64_t batch_chunk, int64_t query_chunk);
// The same, with blocks chosen so the scores of one block fit in `max_score_bytes`.
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool upcast,
                             int64_t max_score_bytes);

// Multi-head attention over projected q [B, Lq, H*D] and k, v [B, Lk, H*D]; returns
// [B, Lq, H*D]. LibTorch 2.x uses at::scaled_dot_product_attention; 1.x the fused CPU kernel
// where it applies (float32 inference, models/fused_cpu_attention.h), else the chunked path.
at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                bool upcast);

struct AttentionOptions {
  int64_t query_dim = 0;
  int64_t cross_attention_dim = 0;  // 0: self-attention (keys/values from the query input)
  int64_t heads = 8;
  int64_t dim_head = 64;
  bool bias = false;      // on to_q/to_k/to_v
  bool out_bias = true;   // on to_out.0
  bool upcast = false;    // diffusers' upcast_attention / upcast_softmax
  int64_t norm_num_groups = 0;  // > 0: a GroupNorm `group_norm` before the projections (VAE)
  double norm_eps = 1e-5;
  bool residual_connection = false;
  double rescale_output_factor = 1.0;
};

// Keys: to_q, to_k, to_v, to_out.0 (+ group_norm). Input [B, L, C], or [B, C, H, W]
// which is attended over its H*W positions and returned in the same shape.
class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const AttentionOptions& options);
  // An undefined `encoder_hidden_states` means self-attention.
  at::Tensor forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states = {});

  const AttentionOptions& options() const { return options_; }

  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out{nullptr};  // [0] Linear (diffusers keeps a Dropout at [1])

 private:
  AttentionOptions options_;
  torch::nn::Linear out_proj_{nullptr};
};
TORCH_MODULE(Attention);

}  // namespace mrti
